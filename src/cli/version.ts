// One version string for -v, -vv, `show info` and the stats page. It reads as HAProxy 2.6
// because tools (VTest's run-regtests.sh, hatop) compare the third word with 2.x numbers.
export const SWITCHYARD_VERSION = '0.1.0';
export const VERSION = `2.6.12-switchyard-${SWITCHYARD_VERSION}`;
export const RELEASE_DATE = '2026/11/26';
