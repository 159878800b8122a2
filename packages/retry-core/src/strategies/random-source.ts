/**
 * A source of uniformly distributed numbers in [0, 1), with the shape of `Math.random`.
 *
 * Strategies take one so that tests and simulations can be deterministic; see
 * {@link seededRandom}.
 */
export type RandomSource = () => number;

/**
 * Draws one number from `random`, forced into [0, 1].
 *
 * A user-supplied source might return NaN or stray outside the unit interval; clamping here keeps
 * every strategy's output inside its bounds whatever the source does.
 */
export function draw(random: RandomSource): number {
  const value = random();
  return value > 0 ? Math.min(value, 1) : 0;
}
