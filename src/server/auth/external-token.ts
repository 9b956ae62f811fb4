// Another app's users: its backend signs a JWT and the browser passes it in `hello {token}`.
// Verification is jose's; Parley pins the accepted algorithms to the configured keys (so `alg:
// none`, and an HS256 token made with a public key as its secret, are refused before any key is
// used), requires `sub` and `exp`, and checks `iss`/`aud` when configured.
import { readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
// jose is loaded only when a key is configured (see load), so a server without external tokens
// does not pay for it at startup.
import type { CryptoKey, JSONWebKeySet, JWSHeaderParameters, JWTPayload, JWSAlgorithm } from 'jose';

type Jose = typeof import('jose');
import { Limits, ROOM_PATTERN, type UserRef } from '../../protocol/messages.js';
import { checkName } from '../../protocol/names.js';

export interface ExternalTokenConfig {
  /** HS256 shared secret. */
  secret: string | undefined;
  /** PEM file with an RSA (RS256) or Ed25519 (EdDSA) public key. */
  publicKeyFile: string | undefined;
  /** JSON Web Key Set file (RS256, EdDSA keys, chosen by `kid`). */
  jwksFile: string | undefined;
  issuer: string | undefined;
  audience: string | undefined;
  /** Claim listing the rooms the user may enter; absent from a token means no limit. */
  roomsClaim: string;
}

export interface ExternalIdentity {
  user: UserRef;
  /** Rooms the user may enter, when the token limits them. */
  rooms: ReadonlySet<string> | undefined;
}

/** Why a token was refused; the message is safe to show the client (it never contains the token). */
export class TokenRefused extends Error {
  override readonly name = 'TokenRefused';
}

const ASYMMETRIC: readonly JWSAlgorithm[] = ['RS256', 'EdDSA', 'Ed25519'];
/** The user id is `ext:<sub>`, and must fit the user id that kick, ban, mute, dm... accept. */
export const EXTERNAL_ID_PREFIX = 'ext:';
const SUB_MAX = Limits.userIdMax - EXTERNAL_ID_PREFIX.length;
const roomRe = new RegExp(ROOM_PATTERN);

type KeyLookup = (header: JWSHeaderParameters) => Promise<CryptoKey | Uint8Array>;

export class ExternalTokens {
  readonly #algorithms: JWSAlgorithm[];
  readonly #key: KeyLookup;
  readonly #config: ExternalTokenConfig;
  readonly #jose: Jose;

  private constructor(jose: Jose, config: ExternalTokenConfig, algorithms: JWSAlgorithm[], key: KeyLookup) {
    this.#jose = jose;
    this.#config = config;
    this.#algorithms = algorithms;
    this.#key = key;
  }

  /** Loads the configured keys; undefined when none is configured (external tokens are then refused). */
  static async load(config: ExternalTokenConfig): Promise<ExternalTokens | undefined> {
    if (config.secret === undefined && config.publicKeyFile === undefined && config.jwksFile === undefined) return undefined;
    const jose = await import('jose');
    const { createLocalJWKSet, importSPKI } = jose;
    const algorithms: JWSAlgorithm[] = [];
    let secret: Uint8Array | undefined;
    let publicKey: { alg: JWSAlgorithm; key: CryptoKey } | undefined;
    let jwks: ReturnType<typeof createLocalJWKSet> | undefined;
    if (config.secret !== undefined) {
      secret = new TextEncoder().encode(config.secret);
      algorithms.push('HS256');
    }
    if (config.publicKeyFile !== undefined) {
      const pem = readFileSync(config.publicKeyFile, 'utf8');
      const type = createPublicKey(pem).asymmetricKeyType;
      const alg: JWSAlgorithm | undefined = type === 'rsa' ? 'RS256' : type === 'ed25519' ? 'EdDSA' : undefined;
      if (alg === undefined) throw new Error(`${config.publicKeyFile}: need an RSA or Ed25519 public key, got ${type ?? 'unknown'}`);
      publicKey = { alg, key: await importSPKI(pem, alg) };
      algorithms.push(alg);
      if (alg === 'EdDSA') algorithms.push('Ed25519');
    }
    if (config.jwksFile !== undefined) {
      jwks = createLocalJWKSet(JSON.parse(readFileSync(config.jwksFile, 'utf8')) as JSONWebKeySet);
      for (const alg of ASYMMETRIC) if (!algorithms.includes(alg)) algorithms.push(alg);
    }
    if (algorithms.length === 0) return undefined;
    const key: KeyLookup = async (header) => {
      if (header.alg === 'HS256' && secret !== undefined) return secret;
      if (publicKey !== undefined && (header.alg === publicKey.alg || (publicKey.alg === 'EdDSA' && header.alg === 'Ed25519'))) {
        if (jwks === undefined || header.kid === undefined) return publicKey.key;
      }
      if (jwks !== undefined && header.alg !== 'HS256') return jwks(header, { payload: '', signature: '' });
      throw new TokenRefused(`tokens signed with ${header.alg ?? 'no algorithm'} are not accepted`);
    };
    return new ExternalTokens(jose, config, algorithms, key);
  }

  /** The user a genuine, current token names; throws TokenRefused otherwise. */
  async verify(token: string): Promise<ExternalIdentity> {
    let payload: JWTPayload;
    try {
      const options = {
        algorithms: this.#algorithms,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: 5,
        ...(this.#config.issuer !== undefined ? { issuer: this.#config.issuer } : {}),
        ...(this.#config.audience !== undefined ? { audience: this.#config.audience } : {}),
      };
      ({ payload } = await this.#jose.jwtVerify(token, (header: JWSHeaderParameters) => this.#key(header), options));
    } catch (error) {
      throw new TokenRefused(describe(error));
    }
    return this.#identity(payload);
  }

  #identity(payload: JWTPayload): ExternalIdentity {
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > SUB_MAX) {
      throw new TokenRefused(`the token's sub must be 1 to ${SUB_MAX} characters (Parley's user id is ext:<sub>, at most ${Limits.userIdMax})`);
    }
    const rawName = payload['name'];
    let name = (typeof rawName === 'string' ? rawName : sub).trim();
    if (rawName === undefined) name = [...name].slice(0, Limits.nickMax).join('');
    const checked = checkName(name);
    if (!checked.ok) throw new TokenRefused(`the token's name ${checked.message}`);
    name = checked.name;
    const claim = payload[this.#config.roomsClaim];
    let rooms: Set<string> | undefined;
    if (claim !== undefined) {
      if (!Array.isArray(claim) || !claim.every((room): room is string => typeof room === 'string' && roomRe.test(room))) {
        throw new TokenRefused(`the token's ${this.#config.roomsClaim} claim must be a list of room names`);
      }
      rooms = new Set(claim);
    }
    // Namespaced, so an external user can never be mistaken for a guest (g_) or an account (u_).
    return { user: { id: `${EXTERNAL_ID_PREFIX}${sub}`, name }, rooms };
  }
}

// jose's error codes say what was wrong without echoing the token.
function describe(error: unknown): string {
  if (error instanceof TokenRefused) return error.message;
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'the token has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (error as { claim?: unknown }).claim;
      const reason = (error as { reason?: unknown }).reason;
      if (claim === 'nbf') return 'the token is not valid yet';
      return `the token's ${String(claim)} claim is ${reason === 'missing' ? 'missing' : 'not accepted'}`;
    }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'the token signature is not valid';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'the token is signed with an algorithm that is not accepted';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'no key for this token';
    default:
      return 'the token is not a valid JWT';
  }
}
