import { parse } from 'tldts';
import * as psl from 'tldts/dist/cjs/src/data/trie';

// "Is there a public suffix below this domain?" (*.amazonaws.com covers every S3 bucket's
// site) has no call in tldts' API: a lookup only tells the suffix of one given name, and
// the names below (s3, compute, …) cannot be guessed. So this walks the very trie tldts
// looks names up in (its ICANN and private sections). tldts is pinned exactly, the walk
// checks itself when loaded, and public-suffix.spec.ts pins the verdicts, so a format
// change in a tldts bump fails loudly instead of allowing such a wildcard.

const PSL_OPTIONS = {
  allowPrivateDomains: true,
  extractHostname: false,
  validHosts: ['localhost'],
};
const WILDCARD = '*';

// Where each edge's label starts in labelText (edges are stored in index order).
const edgeOffset: number[] = [];
for (let edge = 0, offset = 0; edge < psl.edgeLength.length; edge += 1) {
  edgeOffset.push(offset);
  offset += psl.edgeLength[edge];
}

function labelOf(edge: number): string {
  return psl.labelText.slice(edgeOffset[edge], edgeOffset[edge] + psl.edgeLength[edge]);
}

function child(node: number, label: string): number | null {
  let wildcard: number | null = null;
  for (let edge = psl.edgeStart[node]; edge < psl.edgeStart[node + 1]; edge += 1) {
    const text = labelOf(edge);
    if (text === label) return psl.edgeChild[edge];
    if (text === WILDCARD) wildcard = psl.edgeChild[edge];
  }
  return wildcard;
}

/** True when the list names a suffix strictly below `domain` (lower-case punycode). */
export function hasPublicSuffixBelow(domain: string): boolean {
  let node: number | null = psl.rulesRoot;
  for (const label of domain.split('.').reverse()) {
    node = child(node, label);
    if (node === null) return false; // no rule at or below this name
  }
  // Every edge leads to at least one rule: nodes exist only on the way to rules.
  return psl.edgeStart[node + 1] > psl.edgeStart[node];
}

/** True when `domain` is itself a public suffix (com, co.uk, github.io, blogspot.com). */
export function isPublicSuffix(domain: string): boolean {
  // localhost is loopback-only (RFC 6761), so "*.localhost" stays allowed.
  return parse(domain, PSL_OPTIONS).domain === null;
}

// Self-check of the walk against the list's best-known entries.
if (!hasPublicSuffixBelow('com') || hasPublicSuffixBelow('example.com')) {
  throw new Error('tldts public-suffix trie has an unexpected format; check public-suffix.ts');
}
