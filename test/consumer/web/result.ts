// What a consumer page publishes as window.__result (read by test/consumer.test.ts).
export interface ConsumerResult {
  used?: string;
  reason?: string;
  shape?: number[];
  maxAbs?: number;
  /** max over elements of |got - want| - rtol·|want| (rtol 1e-4); must stay under atol. */
  excess?: number;
  error?: string;
}
