const BINARY_SUFFIX: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL_SUFFIX: Record<string, number> = { 'n': 1e-9, 'u': 1e-6, 'm': 1e-3, '': 1, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'P': 1e15, 'E': 1e18 };

/**
 * Parses a Kubernetes quantity (`500m`, `1.5`, `512Mi`, `1G`, `1e3`) to a number of base units.
 */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') {
    return quantity;
  }
  const match = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(quantity.trim());
  if (!match) {
    throw new Error(`'${quantity}' is not a Kubernetes quantity; use e.g. '500m', '2', '512Mi'`);
  }
  const [, num, suffix] = match;
  const factor = BINARY_SUFFIX[suffix] ?? DECIMAL_SUFFIX[suffix];
  if (factor === undefined) {
    throw new Error(`'${quantity}' has an unknown suffix '${suffix}'; use one of m, k, M, G, Ki, Mi, Gi`);
  }
  return Number(num) * factor;
}
