/**
 * Request bodies built once per image: `{"id":"<id>","image":"<base64>"}` is
 * a tiny head (`{"id":"` and the id) and a tail built once per image (the
 * 170 KB base64 field and the closing brace), so a request copies no image
 * bytes and allocates only the head. Pure.
 */
const OPEN = '{"id":"';
const MIDDLE = Buffer.from('","image":"');
const CLOSE = Buffer.from('"}');

/** The part of the body after the id, one per image. */
export function bodyTail(imageBase64: Buffer): Buffer {
  return Buffer.concat([MIDDLE, imageBase64, CLOSE]);
}

// a --serve worker runs many jobs on one cached image set: build its tails once, not per job
const built = new WeakMap<readonly Buffer[], Buffer[]>();

export function bodyTails(images: readonly Buffer[]): Buffer[] {
  let tails = built.get(images);
  if (!tails) {
    tails = images.map(bodyTail);
    built.set(images, tails);
  }
  return tails;
}

/** The body's head for `id`, JSON-escaped (JSON.stringify) so any id gives valid JSON. */
export function bodyHead(id: string): Buffer {
  return Buffer.from(OPEN + JSON.stringify(id).slice(1, -1));
}
