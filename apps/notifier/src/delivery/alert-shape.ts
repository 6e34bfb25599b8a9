/**
 * The SIEM formats (libs/connectors) read `SiemAlert`, a copy of @vigil/detection's `Alert` that the
 * connectors lib must keep because detection depends on it. This line stops the build when the two
 * drift apart: each must be assignable to the other.
 */
import type { SiemAlert } from '@vigil/connectors';
import type { Alert } from '@vigil/detection';

type MutuallyAssignable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const ALERT_MATCHES_SIEM_ALERT: MutuallyAssignable<Alert, SiemAlert> = true;
