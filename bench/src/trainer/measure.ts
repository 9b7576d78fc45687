import * as tf from '@tensorflow/tfjs';

/** Throughput of one training variant. */
export interface StepTiming {
  /** Training samples per second over the timed steps. */
  samplesPerSec: number;
  /** Milliseconds per training step (one batch). */
  msPerStep: number;
  /** Steps timed (warm-up excluded). */
  steps: number;
  /** Kernels dispatched by one step, counted with tf.profile; null where not counted. */
  kernelsPerStep: number | null;
  /** tf.memory().numTensors after the timed steps minus before them (0 = nothing leaked). */
  tensorDelta: number;
}

/** Runs `step(i)` `warmup` times untimed, then `steps` times timed; i counts from 0. */
export async function timeSteps(options: {
  warmup: number;
  steps: number;
  batchSize: number;
  step: (i: number) => void | Promise<void>;
  countKernels?: boolean;
}): Promise<StepTiming> {
  const { warmup, steps, batchSize, step } = options;
  for (let i = 0; i < warmup; i++) await step(i);
  const tensorsBefore = tf.memory().numTensors;
  const start = performance.now();
  for (let i = 0; i < steps; i++) await step(warmup + i);
  const elapsedMs = performance.now() - start;
  const tensorDelta = tf.memory().numTensors - tensorsBefore;
  let kernelsPerStep: number | null = null;
  if (options.countKernels ?? true) {
    const profile = await tf.profile(async () => {
      await step(warmup + steps);
    });
    // Count engine-level dispatches only: a kernel run from inside another (a composite op
    // like fusedMatMul__op) is listed too, so drop the op wrappers that tf.profile also logs.
    kernelsPerStep = profile.kernels.filter((k) => !k.name.endsWith('__op')).length;
  }
  return {
    samplesPerSec: round((steps * batchSize * 1000) / elapsedMs),
    msPerStep: round(elapsedMs / steps, 3),
    steps,
    kernelsPerStep,
    tensorDelta,
  };
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
