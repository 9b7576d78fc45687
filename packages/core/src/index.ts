// The public API of @hpo/core. Other packages import only from here.
export { Rng } from './random.js';
