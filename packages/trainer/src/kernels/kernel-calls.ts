import {
  getKernel,
  type KernelBackend,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs';

/**
 * Runs registered kernels of one backend directly (no engine, no tape) and frees every
 * intermediate it produced, except the ones handed back with `keep`. Composite kernels use it
 * so that one engine-level kernel call costs one dispatch and leaks nothing.
 */
export class KernelCalls {
  private readonly temps: TensorInfo[] = [];

  constructor(
    private readonly backend: KernelBackend,
    private readonly backendName = 'wasm',
  ) {}

  /** Runs `kernelName` on this backend; the result is freed by `dispose` unless kept. */
  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: object = {}): TensorInfo {
    const kernel = getKernel(kernelName, this.backendName);
    if (kernel === undefined) {
      throw new Error(`kernel '${kernelName}' is not registered for backend '${this.backendName}'`);
    }
    const out = kernel.kernelFunc({
      inputs,
      attrs: attrs as unknown as NamedAttrMap,
      backend: this.backend,
    });
    if (Array.isArray(out)) {
      throw new Error(`kernel '${kernelName}' returned several outputs; KernelCalls expects one`);
    }
    this.temps.push(out);
    return out;
  }

  /** Reshape that shares storage with `x` (reference counted). */
  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /** Frees `t` with the other intermediates (for outputs made outside `run`). */
  track(t: TensorInfo): TensorInfo {
    this.temps.push(t);
    return t;
  }

  /** Excludes `t` from `dispose` and returns it (the kernel's result). */
  keep(t: TensorInfo): TensorInfo {
    const i = this.temps.indexOf(t);
    if (i >= 0) this.temps.splice(i, 1);
    return t;
  }

  /** Frees every intermediate not kept. */
  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}
