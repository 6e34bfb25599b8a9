export { ActiveDecisions, crowdsecIdOf, subjectOfEvent } from './decisions/active-decisions';
export type {
  ActiveDecision,
  ActiveDecisionsOptions,
  CheckSubject,
  DecisionChange,
  RemovalCause,
} from './decisions/active-decisions';
export { readDecisionRecord, validateDecision, MAX_DECISION_RECORD_BYTES } from './decisions/decision-record';
export type { DecisionRecordResult } from './decisions/decision-record';
export { verdictOf, checkResponse, ACTION_PRECEDENCE, VERDICT_HEADERS } from './decisions/verdict';
export type { Verdict, CheckResponse } from './decisions/verdict';
export { PrefixTree, parseNetwork } from './match/prefix-tree';
export type { Network } from './match/prefix-tree';
export { SignatureIndex, signatureMatches, indexFieldOf } from './match/signature-index';
export type { SignatureSubject } from './match/signature-index';
export { formatGoDuration, parseGoDuration } from './formats/go-duration';
export {
  CROWDSEC_ORIGIN,
  crowdsecFilter,
  crowdsecScope,
  crowdsecType,
  deltaStream,
  passes,
  startupStream,
  toCrowdsec,
} from './formats/crowdsec';
export type { CrowdsecDecision, CrowdsecFilter, CrowdsecStream, QueryParams } from './formats/crowdsec';
export { nginxGeoInclude, nginxCountryMapInclude, plainAddressList, jsonList } from './formats/lists';
export type { ListOptions, ListedDecision } from './formats/lists';
