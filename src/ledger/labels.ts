// The ledger's entry kinds and their words (docs/rules.md, Balance).

export type LedgerKind = 'responsibility' | 'payment' | 'adjustment' | 'refund';

export const LEDGER_KINDS: Record<LedgerKind, string> = {
  responsibility: 'Patient responsibility',
  payment: 'Payment',
  adjustment: 'Adjustment',
  refund: 'Refund',
};

/** What staff record at the desk. A refund only comes from Authorize.net (payments/refunds.ts). */
export const DESK_KINDS: LedgerKind[] = ['responsibility', 'payment', 'adjustment'];
