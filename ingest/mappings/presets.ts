import type { EventTypeName as EventType } from '../../db/events/row';
import { IngestInputError } from '../errors';
import type { IngestEntity } from '../payload';
import type { EventMapping, ItemMapping, Mapping, UserMapping } from './types';

/** Event-type words shops commonly use, lower-cased, onto the four types. */
export const COMMON_EVENT_TYPES: Record<string, EventType> = {
  search: 'search', query: 'search', '1': 'search',
  // A favourite (wishlist heart) says more than a view, about what a cart says.
  favourite: 'cart', favorite: 'cart',
  view: 'view', pageview: 'view', page_view: 'view', detail: 'view', product_view: 'view', click: 'view', '2': 'view',
  cart: 'cart', add_to_cart: 'cart', addtocart: 'cart', 'add-to-cart': 'cart', basket: 'cart', '3': 'cart',
  purchase: 'purchase', buy: 'purchase', order: 'purchase', transaction: 'purchase', checkout: 'purchase', '4': 'purchase',
};

/** UCI Online Retail: every line is a purchase; cancellations (InvoiceNo C…) become negative quantities. */
export const uciOnlineRetail: EventMapping = {
  name: 'uci-online-retail',
  entity: 'events',
  columns: {
    user: 'CustomerID',
    item: 'StockCode',
    time: 'InvoiceDate',
    quantity: 'Quantity',
    price: 'UnitPrice',
    // The invoice is the shopping session: distinct invoices are the "frequency" that intent models use.
    session: 'InvoiceNo',
    itemTitle: 'Description',
  },
  userAttributes: { country: 'Country' },
  eventType: { fixed: 'purchase' },
  // A UK shop: local wall-clock times, stored as UTC.
  time: { format: 'auto', zone: 'Europe/London' },
  userId: { stripFloatSuffix: true },
  itemId: { upperCase: true },
  negateQuantityWhen: { column: 'InvoiceNo', prefix: 'C' },
};

/** The generic event layout: user_id,item_id,event_type,ts,quantity,price,query,dwell_ms,session_id. */
export const genericEvents: EventMapping = {
  name: 'generic',
  entity: 'events',
  columns: {
    user: 'user_id',
    item: 'item_id',
    eventType: 'event_type',
    time: 'ts',
    quantity: 'quantity',
    price: 'price',
    query: 'query',
    dwell: 'dwell_ms',
    session: 'session_id',
  },
  optionalColumns: ['quantity', 'price', 'query', 'dwell_ms', 'session_id'],
  eventType: { values: COMMON_EVENT_TYPES },
  time: { format: 'auto', zone: 'UTC' },
};

/**
 * The generic layout for session logs where most visitors are anonymous: a line without user_id belongs to its
 * session's visitor (`session:` + session_id); logged-in lines keep their user id.
 */
export const genericSessions: EventMapping = { ...genericEvents, name: 'generic-sessions', anonymousFromSession: { prefix: 'session:' } };

/** Generic items: item_id,title,category,price,in_stock[,attributes]. */
export const genericItems: ItemMapping = {
  name: 'generic',
  entity: 'items',
  columns: { item: 'item_id', title: 'title', category: 'category', price: 'price', inStock: 'in_stock', attributes: 'attributes' },
  optionalColumns: ['title', 'category', 'price', 'in_stock', 'attributes'],
};

/** Generic users: user_id[,attributes]. */
export const genericUsers: UserMapping = {
  name: 'generic',
  entity: 'users',
  columns: { user: 'user_id', attributes: 'attributes' },
  optionalColumns: ['attributes'],
};

const PRESETS: Mapping[] = [uciOnlineRetail, genericEvents, genericItems, genericUsers, genericSessions];

/** Names of the shipped presets, per entity. */
export function presetNames(entity: IngestEntity): string[] {
  return PRESETS.filter((m) => m.entity === entity).map((m) => m.name);
}

/** The preset called `name` (or the given custom mapping) for `entity`; IngestInputError when it does not fit. */
export function resolveMapping(nameOrMapping: string | Mapping, entity: IngestEntity): Mapping {
  if (typeof nameOrMapping !== 'string') {
    if (nameOrMapping.entity !== entity) throw new IngestInputError(`mapping "${nameOrMapping.name}" is for ${nameOrMapping.entity}, not ${entity}`);
    return nameOrMapping;
  }
  const name = nameOrMapping;
  const m = PRESETS.find((p) => p.name === name && p.entity === entity);
  if (m) return m;
  const other = PRESETS.find((p) => p.name === name);
  if (other) throw new IngestInputError(`mapping "${name}" is for ${other.entity}, not ${entity}`);
  throw new IngestInputError(`unknown mapping "${name}" for ${entity} (known: ${presetNames(entity).join(', ')})`);
}
