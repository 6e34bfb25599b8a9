import { DEG_TO_RAD, EARTH_RADIUS_KM } from '../registry/country-centroids';
import { TRAVEL_MIN_INTERVAL_MS } from '../registry/counters';

/** A successful login with a known location: [ts, lat, lon, cos(lat)]. */
export type TravelPoint = readonly [number, number, number, number];

/**
 * Speed in km/h between two logins, rounded to an integer; 0 when the second is not later than the first.
 * Equirectangular distance with the mean of the two latitude cosines: only +, -, *, / and sqrt, which are
 * correctly rounded in IEEE-754, so the Lua twin in redis/apply-script.ts gives the same number.
 */
export function travelSpeedKmh(a: TravelPoint, b: TravelPoint): number {
  const dt = b[0] - a[0];
  if (dt <= 0) return 0;
  const dLat = (b[1] - a[1]) * DEG_TO_RAD;
  let dLonDeg = b[2] - a[2];
  if (dLonDeg > 180) dLonDeg = dLonDeg - 360;
  else if (dLonDeg < -180) dLonDeg = dLonDeg + 360;
  const x = dLonDeg * DEG_TO_RAD * ((a[3] + b[3]) / 2);
  const km = EARTH_RADIUS_KM * Math.sqrt(dLat * dLat + x * x);
  const hours = Math.max(dt, TRAVEL_MIN_INTERVAL_MS) / 3_600_000;
  return Math.floor(km / hours + 0.5);
}
