/** Error codes of the widget-token contract; the guard returns them to the widget as-is. */
export type TokenErrorCode =
  | 'token_malformed'
  | 'token_signature_invalid'
  | 'token_key_rotated'
  | 'token_claims_invalid'
  | 'token_expired'
  | 'token_not_yet_valid';

export interface TokenFailure {
  ok: false;
  code: TokenErrorCode;
  /** Human sentence for diagnostics; never contains a key nor the token. */
  detail: string;
  /**
   * The epoch of the key the signature matched: the retired key for `token_key_rotated`,
   * the verifying key for the claim failures (expired, not yet valid, claims invalid).
   */
  keyEpoch?: number;
}

export function fail(code: TokenErrorCode, detail: string, keyEpoch?: number): TokenFailure {
  return keyEpoch === undefined
    ? { ok: false, code, detail }
    : { ok: false, code, detail, keyEpoch };
}
