/** What an authority destination receives (decision 0004 kinds). */
export type AuthorityKind = 'cybertipline' | 'dsa_sor' | 'art18';
/** How it is delivered: a file in a directory, an HTTPS POST, or NCMEC's CyberTipline API flow. */
export type AuthorityTransport = 'file' | 'https' | 'cybertipline_api';

/** `authority_destinations`: the registry of where authority reports go (operator CLI). */
export interface AuthorityDestinationsTable {
  /** `dst_` + 22 base64url characters. */
  id: string;
  kind: AuthorityKind;
  transport: AuthorityTransport;
  /** A directory (file) or a URL (https, cybertipline_api base URL). */
  target: string;
  /** Where the credentials are, never the credentials: `env:NAME`. Null for none. */
  credentials_ref: string | null;
  /** 1 = enabled, 0 = disabled (kept for the delivery records that name it). */
  enabled: number;
  created_at: number;
}
