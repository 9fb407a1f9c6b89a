import { selectBackend } from '../../../ml';
import { predictMlp, stackMlps, trainMlp } from '../../../ml/mlp';
import { mulberry32 } from '../../../ml/random';

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('stackMlps (bagged ranker as one wider MLP)', () => {
  it('scores exactly the average of the logits of its members', async () => {
    const rand = mulberry32(3);
    const rows = 200;
    const d = 5;
    const x = Float32Array.from({ length: rows * d }, () => rand() * 4 - 2);
    const y = Float32Array.from({ length: rows }, (_, r) => (x[r * d]! + x[r * d + 1]! > 0 ? 1 : 0));
    for (const hidden of [[8, 4], [6], [] as number[]]) {
      const nets = [];
      for (const seed of [1, 2, 3]) {
        nets.push(await trainMlp(x, y, rows, d, { hidden, epochs: 2, batchSize: 32, learningRate: 0.01, seed }));
      }
      const stacked = stackMlps(nets);
      expect(stacked.sizes).toEqual([d, ...hidden.map((h) => h * 3), 1]);
      const got = predictMlp(stacked, x, rows);
      const each = nets.map((n) => predictMlp(n, x, rows));
      for (let r = 0; r < rows; r++) {
        const avg = (each[0]![r]! + each[1]![r]! + each[2]![r]!) / 3;
        expect(got[r]!).toBeCloseTo(avg, 4);
      }
    }
  });

  it('returns a single net unchanged', async () => {
    const x = Float32Array.from([0, 1, 1, 0, 1, 1, 0, 0]);
    const y = Float32Array.from([0, 1, 1, 0]);
    const net = await trainMlp(x, y, 4, 2, { hidden: [3], epochs: 1, batchSize: 4, learningRate: 0.01 });
    expect(stackMlps([net])).toBe(net);
  });
});
