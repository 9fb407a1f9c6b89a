/** One registered benchmark: `npm run bench -- NAME` runs it, prints its figures and writes reports/bench-NAME.json. */
export interface Bench {
  name: string;
  description: string;
  run(): Promise<Record<string, number | string>>;
}
