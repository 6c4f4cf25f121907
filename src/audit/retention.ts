/** The audit domain's part of the Löschkonzept (shortening IP addresses), for src/privacy/retention.service.ts. */
export { countIpAddressesToShorten, shortenIpAddresses } from './retention.queries';
