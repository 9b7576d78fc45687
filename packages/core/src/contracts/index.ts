export * from './oof.js';
export * from './params.js';
export * from './states.js';
export * from './tasks.js';
