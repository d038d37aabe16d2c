/** Widget benchmarks (placeholder until filled in). */
export async function runWidgetBench(_opts: { quick: boolean }): Promise<unknown> {
  return { skipped: 'not written yet' };
}
