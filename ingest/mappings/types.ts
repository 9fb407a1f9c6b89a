import type { EventTypeName as EventType } from '../../db/events/row';

/** Options shared by every mapping. Column names match the header case-insensitively. */
interface MappingBase {
  name: string;
  /** mapped columns that may be missing from a file: their fields read as empty */
  optionalColumns?: string[];
  /** columns a file may carry that this mapping knowingly does not load */
  ignoreColumns?: string[];
}

/** Id clean-ups some shops need. */
export interface IdRules {
  /** `17850.0` → `17850` (ids exported through a float column) */
  stripFloatSuffix?: boolean;
  upperCase?: boolean;
}

/** How a source's columns become events. */
export interface EventMapping extends MappingBase {
  entity: 'events';
  columns: {
    user: string;
    item?: string;
    eventType?: string;
    time: string;
    quantity?: string;
    price?: string;
    query?: string;
    dwell?: string;
    session?: string;
    /** an item title carried on event lines: registers the item (never overwrites a catalogue title) */
    itemTitle?: string;
  };
  /** user attributes carried on event lines (attribute name → column), merged into users.attributes */
  userAttributes?: Record<string, string>;
  /** every line is this type, or the eventType column's values (matched lower-cased) map onto the four types */
  eventType: { fixed: EventType } | { values: Record<string, EventType> };
  /** `iso`, `auto` (ISO or epoch digits), `epoch_ms`, `epoch_s`, or a pattern like `M/D/YYYY H:mm` */
  time: { format: string; zone: string };
  userId?: IdRules;
  itemId?: IdRules;
  /** lines whose `column` starts with `prefix` are cancellations: their quantity is made negative */
  negateQuantityWhen?: { column: string; prefix: string };
  /** a line with no user but a session is that session's anonymous visitor: user id = prefix + session id */
  anonymousFromSession?: { prefix: string };
}

/** How a source's columns become items. */
export interface ItemMapping extends MappingBase {
  entity: 'items';
  columns: { item: string; title?: string; category?: string; price?: string; inStock?: string; attributes?: string };
  itemId?: IdRules;
}

/** How a source's columns become users. */
export interface UserMapping extends MappingBase {
  entity: 'users';
  columns: { user: string; attributes?: string };
  userId?: IdRules;
}

export type Mapping = EventMapping | ItemMapping | UserMapping;
