export interface TicketTracker {
  /** Opens a ticket; returns its address. Throws a coded error with the reason. */
  open(ticket: { title: string; body: string; labels: string[] }): Promise<string>;
}
