/**
 * sharp, imported on first need. Importing it loads libvips (a 19 MB shared library) and
 * initialises it: about 100 ms of main thread, which as a static import was most of the Lambda
 * handler's module load. `preloadSharp` starts it while a job's first download is in flight.
 */
import type Sharp from 'sharp';

export type SharpConstructor = typeof Sharp;

let loading: Promise<SharpConstructor> | undefined;

export function loadSharp(): Promise<SharpConstructor> {
  loading ??= import('sharp').then(
    (module) => module.default,
    (error: unknown) => {
      // A failed load (a missing binary) is tried again by the next caller, and reported by each.
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/** Starts the import without waiting for it; whoever needs sharp awaits `loadSharp` and sees any error. */
export function preloadSharp(): void {
  loadSharp().catch(() => undefined);
}
