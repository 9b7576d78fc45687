// Real-process test harness: nats-server on a free port, coordinator and worker processes, the
// hpo CLI. Used by test/ (cross-process tests) and bench/ (the distributed benchmark).

export * from './certs.js';
export * from './cluster.js';
export * from './harness.js';
export * from './nats-server.js';
export * from './soak.js';
