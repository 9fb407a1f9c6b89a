/**
 * The shipped presets by name, with the entities each maps. Kept apart from the mappings themselves so the
 * payload schema can refuse an unknown preset at enqueue time (a 400), not in the worker minutes later.
 */
export const PRESET_ENTITIES = {
  generic: ['events', 'items', 'users'],
  'uci-online-retail': ['events'],
  'generic-sessions': ['events'],
} as const satisfies Record<string, readonly ('events' | 'items' | 'users')[]>;

export type PresetName = keyof typeof PRESET_ENTITIES;
export const PRESET_NAMES = Object.keys(PRESET_ENTITIES) as PresetName[];
