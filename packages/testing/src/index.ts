// Test doubles and fixtures shared by the packages' tests and the benchmarks. Product code never
// imports this package. `@hpo/testing/tf` holds the TensorFlow.js helpers (kernel checks).
export { FakeExecutor, type FakeTaskControl, fakeResult, testSpec } from './fake-executor.js';
export { syntheticImages, syntheticTabular } from './synthetic.js';
export * from './test-functions.js';
