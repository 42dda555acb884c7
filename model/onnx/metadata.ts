/**
 * Read the metadata_props of any ONNX model (the key/value pairs a
 * self-describing model carries, e.g. `clouddetect.labels`).
 */
import { ModelMetadataView } from './proto.js';

/**
 * The ModelProto metadata_props as a plain record; `{}` when the model has
 * none. Only field 14 is decoded, so this stays cheap on large models.
 * Throws when the bytes are not a protobuf message.
 */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  let decoded: { metadata_props?: Array<{ key?: string; value?: string }> };
  try {
    decoded = ModelMetadataView.toObject(ModelMetadataView.decode(bytes), { arrays: true }) as typeof decoded;
  } catch (err) {
    throw new Error(`not an ONNX model: ${(err as Error).message}`);
  }
  const out: Record<string, string> = {};
  for (const entry of decoded.metadata_props ?? []) {
    if (entry.key) out[entry.key] = entry.value ?? '';
  }
  return out;
}
