// Kalshi's public endpoints (reference §0): the paths of the API and the production and
// demo hosts. Plain data, shared by the config defaults (src/config) and the network edge
// (src/feeds), so configuration never depends on the code that talks to the network.
export const WS_PATH = '/trade-api/ws/v2';
export const REST_PREFIX = '/trade-api/v2';

export const PROD_WS_URL = `wss://external-api-ws.kalshi.com${WS_PATH}`;
export const PROD_REST_URL = `https://external-api.kalshi.com${REST_PREFIX}`;
export const DEMO_WS_URL = `wss://external-api-ws.demo.kalshi.co${WS_PATH}`;
export const DEMO_REST_URL = `https://external-api.demo.kalshi.co${REST_PREFIX}`;
