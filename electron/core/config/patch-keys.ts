import { CONFIG_PATCH_KEYS, type UpdateConfigInput } from '../../../shared/dto/config.js';
import { invalid } from '../app-error.js';

type ShortKey = keyof typeof CONFIG_PATCH_KEYS;
/** A config PATCH under the short names only (what `Core.updateConfig` reads). */
export type ConfigPatch = Pick<UpdateConfigInput, ShortKey>;

/**
 * A PATCH body that may use the dotted keys GET /config shows (`logging.level`) or the short ones
 * (`logging_level`), as short keys; both spellings of one field with different values are refused.
 */
export function shortConfigPatch(input: UpdateConfigInput): ConfigPatch {
  const out: Record<string, unknown> = {};
  for (const short of Object.keys(CONFIG_PATCH_KEYS) as ShortKey[]) {
    const dotted = CONFIG_PATCH_KEYS[short];
    const a = input[short];
    const b = input[dotted];
    if (a !== undefined && b !== undefined && a !== b) {
      throw invalid(dotted, `${JSON.stringify(b)} disagrees with ${short}: ${JSON.stringify(a)} (the same setting; give one of them)`);
    }
    const value = a ?? b;
    if (value !== undefined) out[short] = value;
  }
  return out as ConfigPatch;
}
