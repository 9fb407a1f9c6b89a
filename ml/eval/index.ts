/**
 * The evaluation harness (`npm run eval`, the shapes report, the serve-equals-harness test): the production
 * holdout path plus the report-only rows production train does not run. Production code never imports it.
 */
export { evaluateProtocol } from './protocol';
