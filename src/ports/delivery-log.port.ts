/**
 * Slack retries a delivery it thinks we missed (same trigger id). Which deliveries were already handled is the Slack
 * side's concern; the store keeps them (at least an hour: Slack retries within minutes), shared across replicas.
 */
export interface DeliveryLog {
  /** Records a delivery; false when it was seen before (a retry). */
  firstDelivery(key: string, at: number): Promise<boolean>;
}
