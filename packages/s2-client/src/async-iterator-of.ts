/**
 * An async iterator over `source`, sync or async, so that the append paths accept plain arrays
 * and generators as well as async streams. Closing the async iterator closes a sync source too.
 *
 * @internal
 */
export function asyncIteratorOf<T>(source: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> {
  return Symbol.asyncIterator in source
    ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
    : fromSync((source as Iterable<T>)[Symbol.iterator]());
}

async function* fromSync<T>(iterator: Iterator<T>): AsyncGenerator<T, void, undefined> {
  try {
    while (true) {
      const step = iterator.next();
      if (step.done) return;
      yield step.value;
    }
  } finally {
    iterator.return?.();
  }
}
