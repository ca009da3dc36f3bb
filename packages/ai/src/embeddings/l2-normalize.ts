/** Scales a vector to unit length, so that a dot product is a cosine. A zero vector stays zero. */
export const l2Normalize = (vector: readonly number[]): number[] => {
  let sumOfSquares = 0;
  for (const value of vector) sumOfSquares += value * value;
  const norm = Math.sqrt(sumOfSquares);
  return norm === 0 ? vector.slice() : vector.map((value) => value / norm);
};
