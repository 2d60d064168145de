/**
 * Detector for the ts-mls removed-member flaw (fixed in ts-mls 1.6.4, LukaJCB/ts-mls#436).
 *
 * Before 1.6.4, a commit whose only proposal was a single Remove carried no UpdatePath
 * (`needsUpdatePath` counted removes with `> 1` instead of `> 0`). RFC 9420 §12.4 requires a path
 * whenever a commit contains a Remove: without one the commit_secret is all-zero, so the removed
 * member, who knows the old epoch's init_secret, derives the next epoch's secrets and keeps
 * reading. The official vectors do not exercise it.
 *
 * The detector runs a real 3-member scenario against whichever ts-mls module it is given (it uses
 * only that module's public API), acting as the removed member would: it keeps its state, processes
 * the commit that removed it, and tries to decrypt the next application message. It reports a leak
 * if the removing commit lacks an UpdatePath or if the removed member decrypts.
 */
import type * as TsMls from 'ts-mls';

export type TsMlsModule = typeof TsMls;

export interface RemovedMemberReport {
  /** True when the removing commit carries an UpdatePath (RFC 9420 §12.4 requires it). */
  readonly commitHasPath: boolean;
  /** True when the removed member decrypted an application message sent after its removal. */
  readonly removedMemberDecrypted: boolean;
  /** The verdict: `true` means this ts-mls leaks to removed members. */
  readonly leaked: boolean;
}

const SUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export async function detectRemovedMemberLeak(m: TsMlsModule): Promise<RemovedMemberReport> {
  const cs = await m.getCiphersuiteImpl(m.getCiphersuiteFromName(SUITE));
  const keyPackage = (name: string) =>
    m.generateKeyPackage(
      { credentialType: 'basic', identity: new TextEncoder().encode(name) },
      m.defaultCapabilities(),
      m.defaultLifetime,
      [],
      cs,
    );
  // Every message crosses the "wire" as bytes, as it would through the server.
  const wire = (msg: TsMls.MLSMessage) => {
    const d = m.decodeMlsMessage(m.encodeMlsMessage(msg), 0);
    if (d === undefined) throw new Error('detector: message does not round-trip');
    const x = d[0];
    if (x.wireformat !== 'mls_public_message' && x.wireformat !== 'mls_private_message') {
      throw new Error('detector: unexpected wire format');
    }
    return x;
  };

  const [kpA, kpB, kpC] = await Promise.all([keyPackage('A'), keyPackage('B'), keyPackage('C')]);
  let a = await m.createGroup(new TextEncoder().encode('detector'), kpA.publicPackage, kpA.privatePackage, [], cs);
  const add = await m.createCommit(
    { state: a, cipherSuite: cs },
    {
      wireAsPublicMessage: true,
      ratchetTreeExtension: true,
      extraProposals: [
        { proposalType: 'add', add: { keyPackage: kpB.publicPackage } },
        { proposalType: 'add', add: { keyPackage: kpC.publicPackage } },
      ],
    },
  );
  a = add.newState;
  if (add.welcome === undefined) throw new Error('detector: no Welcome');
  let b = await m.joinGroup(add.welcome, kpB.publicPackage, kpB.privatePackage, m.emptyPskIndex, cs);
  const c = await m.joinGroup(add.welcome, kpC.publicPackage, kpC.privatePackage, m.emptyPskIndex, cs);

  // A removes C with a commit holding that single Remove.
  const rm = await m.createCommit(
    { state: a, cipherSuite: cs },
    {
      wireAsPublicMessage: true,
      extraProposals: [{ proposalType: 'remove', remove: { removed: c.privatePath.leafIndex } }],
    },
  );
  a = rm.newState;
  const commit = wire(rm.commit);
  const commitHasPath =
    commit.wireformat === 'mls_public_message' &&
    commit.publicMessage.content.contentType === 'commit' &&
    commit.publicMessage.content.commit.path !== undefined;
  b = (await m.processMessage(commit, b, m.emptyPskIndex, m.acceptAll, cs)).newState;

  const secret = new TextEncoder().encode('sent after the removal');
  const app = await m.createApplicationMessage(a, secret, cs);
  const appMsg = wire({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: app.privateMessage });

  // Sanity: a remaining member reads it, so the scenario itself works.
  const atB = await m.processMessage(appMsg, b, m.emptyPskIndex, m.acceptAll, cs);
  if (atB.kind !== 'applicationMessage' || !same(atB.message, secret)) throw new Error('detector: scenario broken');

  // The removed member, with everything it holds, tries to follow the group and read on.
  let removedMemberDecrypted = false;
  try {
    const c2 = (await m.processMessage(commit, c, m.emptyPskIndex, m.acceptAll, cs)).newState;
    const atC = await m.processMessage(appMsg, c2, m.emptyPskIndex, m.acceptAll, cs);
    removedMemberDecrypted = atC.kind === 'applicationMessage' && same(atC.message, secret);
  } catch {
    removedMemberDecrypted = false;
  }
  return { commitHasPath, removedMemberDecrypted, leaked: !commitHasPath || removedMemberDecrypted };
}
