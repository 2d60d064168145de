import type { TSchema } from '@sinclair/typebox';
import {
  AccountIdParams,
  AccountNameParams,
  AccountRecord,
  AddDeviceRequest,
  AddDeviceResponse,
  CreateAccountRequest,
  CreateAccountResponse,
  DeviceIdParams,
  RevokeDeviceRequest,
  RevokeDeviceResponse,
} from './accounts.js';
import { AttachmentIdParams, UploadAttachmentResponse } from './attachments.js';
import { BlockRequest, BlockResponse, BlocksResponse, UnblockResponse } from './blocks.js';
import { CaseAuthorityResponse } from './case-authority.js';
import { wireError } from './errors.js';
import {
  CommitRequest,
  CommitResponse,
  CreateGroupRequest,
  CreateGroupResponse,
  GroupIdParams,
  GroupRecord,
  SendMessageRequest,
  SendMessageResponse,
} from './groups.js';
import { HealthResponse } from './health.js';
import {
  ClaimKeyPackagesRequest,
  ClaimKeyPackagesResponse,
  KeyPackageCountResponse,
  UploadKeyPackagesRequest,
  UploadKeyPackagesResponse,
} from './keypackages.js';
import { BODY_LIMITS } from './limits.js';
import {
  AppealIdParams,
  AppealRecord,
  ApproveRequest,
  AssignRequest,
  CaseView,
  ClaimResponse,
  DecideAppealRequest,
  DecideRequest,
  DecisionIdParams,
  DecisionRecord,
  EmptyRequest,
  FileAppealRequest,
  ModAppealsResponse,
  ModQueueQuery,
  ModQueueResponse,
  NoticesResponse,
  ReleaseResponse,
  ReportIdParams,
  RevealResponse,
  StaffRoleRequest,
  StaffMeResponse,
  StaffRolesResponse,
} from './moderation.js';
import { AckRequest, AckResponse, QueueQuery, QueueResponse } from './queue.js';
import { CreateReportRequest, CreateReportResponse, REPORT_BODY_LIMIT } from './reports.js';

/** A raw byte stream body or answer (`application/octet-stream`), not JSON. */
export const OCTET_STREAM = 'application/octet-stream' as const;

/** One endpoint of the v1 API: its schemas are normative (docs/protocol.md). */
export interface RouteSpec {
  readonly method: 'GET' | 'POST';
  /** Fastify-style path with `:param` segments. */
  readonly path: string;
  /** Whether the request must be signed by a device (docs/protocol.md §Signed requests). */
  readonly auth: boolean;
  /** The status of a successful answer. */
  readonly status: number;
  readonly params?: TSchema;
  readonly querystring?: TSchema;
  readonly body?: TSchema | typeof OCTET_STREAM;
  readonly response: TSchema | typeof OCTET_STREAM;
  /** The JSON body limit in bytes (streamed uploads have their own, configurable limit). */
  readonly bodyLimit?: number;
}

/** Every HTTP endpoint of the v1 API (the WebSocket `/v1/ws` is described by the `Ws*Frame` schemas). */
export const routes = {
  health: { method: 'GET', path: '/v1/health', auth: false, status: 200, response: HealthResponse },
  createAccount: {
    method: 'POST',
    path: '/v1/accounts',
    auth: false,
    status: 201,
    body: CreateAccountRequest,
    response: CreateAccountResponse,
    bodyLimit: BODY_LIMITS.small,
  },
  addDevice: {
    method: 'POST',
    path: '/v1/devices',
    auth: true,
    status: 201,
    body: AddDeviceRequest,
    response: AddDeviceResponse,
    bodyLimit: BODY_LIMITS.small,
  },
  getAccountByName: {
    method: 'GET',
    path: '/v1/accounts/by-name/:name',
    auth: true,
    status: 200,
    params: AccountNameParams,
    response: AccountRecord,
  },
  getAccount: {
    method: 'GET',
    path: '/v1/accounts/:accountId',
    auth: true,
    status: 200,
    params: AccountIdParams,
    response: AccountRecord,
  },
  revokeDevice: {
    method: 'POST',
    path: '/v1/devices/:deviceId/revoke',
    auth: true,
    status: 200,
    params: DeviceIdParams,
    body: RevokeDeviceRequest,
    response: RevokeDeviceResponse,
    bodyLimit: BODY_LIMITS.small,
  },
  uploadKeyPackages: {
    method: 'POST',
    path: '/v1/keypackages',
    auth: true,
    status: 200,
    body: UploadKeyPackagesRequest,
    response: UploadKeyPackagesResponse,
    bodyLimit: BODY_LIMITS.keyPackages,
  },
  claimKeyPackages: {
    method: 'POST',
    path: '/v1/keypackages/claim',
    auth: true,
    status: 200,
    body: ClaimKeyPackagesRequest,
    response: ClaimKeyPackagesResponse,
    bodyLimit: BODY_LIMITS.small,
  },
  countKeyPackages: {
    method: 'GET',
    path: '/v1/keypackages/count',
    auth: true,
    status: 200,
    response: KeyPackageCountResponse,
  },
  createGroup: {
    method: 'POST',
    path: '/v1/groups',
    auth: true,
    status: 201,
    body: CreateGroupRequest,
    response: CreateGroupResponse,
    bodyLimit: BODY_LIMITS.small,
  },
  getGroup: {
    method: 'GET',
    path: '/v1/groups/:groupId',
    auth: true,
    status: 200,
    params: GroupIdParams,
    response: GroupRecord,
  },
  commit: {
    method: 'POST',
    path: '/v1/groups/:groupId/commits',
    auth: true,
    status: 200,
    params: GroupIdParams,
    body: CommitRequest,
    response: CommitResponse,
    bodyLimit: BODY_LIMITS.commit,
  },
  sendMessage: {
    method: 'POST',
    path: '/v1/groups/:groupId/messages',
    auth: true,
    status: 200,
    params: GroupIdParams,
    body: SendMessageRequest,
    response: SendMessageResponse,
    bodyLimit: BODY_LIMITS.message,
  },
  fetchQueue: {
    method: 'GET',
    path: '/v1/queue',
    auth: true,
    status: 200,
    querystring: QueueQuery,
    response: QueueResponse,
  },
  ackQueue: {
    method: 'POST',
    path: '/v1/queue/ack',
    auth: true,
    status: 200,
    body: AckRequest,
    response: AckResponse,
    bodyLimit: BODY_LIMITS.small,
  },
  createReport: {
    method: 'POST',
    path: '/v1/reports',
    auth: true,
    status: 201,
    body: CreateReportRequest,
    response: CreateReportResponse,
    bodyLimit: REPORT_BODY_LIMIT,
  },
  // Blocks (docs/protocol.md §Blocking): the caller's own account's blocks only.
  listBlocks: {
    method: 'GET',
    path: '/v1/blocks',
    auth: true,
    status: 200,
    response: BlocksResponse,
  },
  block: {
    method: 'POST',
    path: '/v1/blocks',
    auth: true,
    status: 200,
    body: BlockRequest,
    response: BlockResponse,
    bodyLimit: BODY_LIMITS.small,
  },
  unblock: {
    method: 'POST',
    path: '/v1/blocks/remove',
    auth: true,
    status: 200,
    body: BlockRequest,
    response: UnblockResponse,
    bodyLimit: BODY_LIMITS.small,
  },
  uploadAttachment: {
    method: 'POST',
    path: '/v1/attachments',
    auth: true,
    status: 201,
    body: OCTET_STREAM,
    response: UploadAttachmentResponse,
  },
  downloadAttachment: {
    method: 'GET',
    path: '/v1/attachments/:attachmentId',
    auth: true,
    status: 200,
    params: AttachmentIdParams,
    response: OCTET_STREAM,
  },
  // Moderation (docs/protocol.md §Moderation): staff endpoints check the caller's roles on every call.
  grantStaffRole: {
    method: 'POST',
    path: '/v1/mod/staff',
    auth: true,
    status: 200,
    body: StaffRoleRequest,
    response: StaffRolesResponse,
    bodyLimit: BODY_LIMITS.small,
  },
  revokeStaffRole: {
    method: 'POST',
    path: '/v1/mod/staff/revoke',
    auth: true,
    status: 200,
    body: StaffRoleRequest,
    response: StaffRolesResponse,
    bodyLimit: BODY_LIMITS.small,
  },
  modMe: {
    method: 'GET',
    path: '/v1/mod/me',
    auth: true,
    status: 200,
    response: StaffMeResponse,
  },
  modQueue: {
    method: 'GET',
    path: '/v1/mod/queue',
    auth: true,
    status: 200,
    querystring: ModQueueQuery,
    response: ModQueueResponse,
  },
  modCase: {
    method: 'GET',
    path: '/v1/mod/cases/:reportId',
    auth: true,
    status: 200,
    params: ReportIdParams,
    response: CaseView,
  },
  modCaseAuthority: {
    method: 'GET',
    path: '/v1/mod/cases/:reportId/authority',
    auth: true,
    status: 200,
    params: ReportIdParams,
    response: CaseAuthorityResponse,
  },
  modReveal: {
    method: 'POST',
    path: '/v1/mod/cases/:reportId/reveal',
    auth: true,
    status: 200,
    params: ReportIdParams,
    body: EmptyRequest,
    response: RevealResponse,
    bodyLimit: BODY_LIMITS.small,
  },
  modClaim: {
    method: 'POST',
    path: '/v1/mod/cases/:reportId/claim',
    auth: true,
    status: 200,
    params: ReportIdParams,
    body: EmptyRequest,
    response: ClaimResponse,
    bodyLimit: BODY_LIMITS.small,
  },
  modRelease: {
    method: 'POST',
    path: '/v1/mod/cases/:reportId/release',
    auth: true,
    status: 200,
    params: ReportIdParams,
    body: EmptyRequest,
    response: ReleaseResponse,
    bodyLimit: BODY_LIMITS.small,
  },
  modAssign: {
    method: 'POST',
    path: '/v1/mod/cases/:reportId/assign',
    auth: true,
    status: 200,
    params: ReportIdParams,
    body: AssignRequest,
    response: ClaimResponse,
    bodyLimit: BODY_LIMITS.small,
  },
  modDecide: {
    method: 'POST',
    path: '/v1/mod/cases/:reportId/decisions',
    auth: true,
    status: 201,
    params: ReportIdParams,
    body: DecideRequest,
    response: DecisionRecord,
    bodyLimit: BODY_LIMITS.small,
  },
  modApprove: {
    method: 'POST',
    path: '/v1/mod/decisions/:decisionId/approve',
    auth: true,
    status: 200,
    params: DecisionIdParams,
    body: ApproveRequest,
    response: DecisionRecord,
    bodyLimit: BODY_LIMITS.small,
  },
  modAppeals: {
    method: 'GET',
    path: '/v1/mod/appeals',
    auth: true,
    status: 200,
    response: ModAppealsResponse,
  },
  modDecideAppeal: {
    method: 'POST',
    path: '/v1/mod/appeals/:appealId/decide',
    auth: true,
    status: 200,
    params: AppealIdParams,
    body: DecideAppealRequest,
    response: AppealRecord,
    bodyLimit: BODY_LIMITS.small,
  },
  fileAppeal: {
    method: 'POST',
    path: '/v1/appeals',
    auth: true,
    status: 201,
    body: FileAppealRequest,
    response: AppealRecord,
    bodyLimit: BODY_LIMITS.small,
  },
  listNotices: {
    method: 'GET',
    path: '/v1/moderation/notices',
    auth: true,
    status: 200,
    response: NoticesResponse,
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof routes;

/** The WebSocket endpoint. */
export const WS_PATH = '/v1/ws';

/**
 * Fills a route's `:param` segments (`buildPath('/v1/groups/:groupId', { groupId })`). Values are
 * percent-encoded; the result is what the client sends and signs.
 */
export function buildPath(path: string, params: Readonly<Record<string, string>> = {}): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw wireError('request.invalid', `missing path parameter ${name}`, { path: name });
    return encodeURIComponent(value);
  });
}
