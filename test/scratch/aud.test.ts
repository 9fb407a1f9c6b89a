import { loadUciEvents, UCI_NON_PRODUCT_CODES } from '../../scripts/lib/uci-loader';
import { audiences } from '../../ml/campaign-eval';
import { cleanEvents } from '../../ml/clean';
it('aud', async () => {
  const d = await loadUciEvents('data/online-retail/online-retail.csv.gz');
  const split = Date.parse('2011-11-09T00:00:00Z');
  const clean = cleanEvents(d.events, { excludedItemIds: [...UCI_NON_PRODUCT_CODES] });
  const t = Date.now();
  const r = audiences(clean, d.items, split, split + 31 * 86400000);
  console.log(JSON.stringify(r), (Date.now() - t) / 1000);
}, 600000);
