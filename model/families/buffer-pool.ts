/**
 * Reused scratch buffers for the per-request pixel and tensor arrays. Each
 * request used to allocate a fresh decoded RGB image (0.9 MB for a COCO
 * photo) and a fresh float tensor (2 MB at 416 × 416), which V8 zero-fills
 * and counts as external memory; at tens of requests a second that
 * allocation pressure alone drove a main-thread garbage collection costing
 * about as much CPU as the resampling loop. A pool keeps at most `keep`
 * free buffers of at most `maxBytes` each (the default 3 × 8 MiB holds a
 * 2 MP photo's pixels and a 640 × 640 float tensor), so what it pins is
 * bounded whatever clients send; larger images allocate as before.
 */
export class BufferPool {
  private readonly free: ArrayBuffer[] = [];

  constructor(
    private readonly keep = 3,
    /** buffers larger than this are never kept: a rare huge image should not pin its memory */
    private readonly maxBytes = 8 * 2 ** 20,
  ) {}

  /** A buffer of at least `bytes` (contents undefined). */
  take(bytes: number): ArrayBuffer {
    const i = this.free.findIndex((b) => b.byteLength >= bytes);
    if (i >= 0) return this.free.splice(i, 1)[0]!;
    return new ArrayBuffer(bytes);
  }

  /** Hands a buffer back; its holder must not touch it again. */
  give(buffer: ArrayBufferLike): void {
    if (!(buffer instanceof ArrayBuffer) || buffer.byteLength > this.maxBytes || this.free.includes(buffer)) return;
    if (this.free.length >= this.keep) this.free.shift();
    this.free.push(buffer);
  }
}
