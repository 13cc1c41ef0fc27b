// The Public Suffix List as tldts ships it: a trie of labels read right to left. tldts types
// it under dist/types but resolves it from dist/cjs; see public-suffix.ts for why it is read.
declare module 'tldts/dist/cjs/src/data/trie' {
  /** Per node: 1 = ICANN rule, 2 = private rule, 0 = only a step towards deeper rules. */
  export const nodeFlags: ArrayLike<number>;
  /** Edges of node n are edgeStart[n] .. edgeStart[n + 1] - 1. */
  export const edgeStart: ArrayLike<number>;
  export const edgeLength: ArrayLike<number>;
  export const edgeChild: ArrayLike<number>;
  /** Every edge's label, concatenated in edge order. */
  export const labelText: string;
  export const rulesRoot: number;
  export const exceptionsRoot: number;
}
