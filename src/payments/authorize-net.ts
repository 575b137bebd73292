import { z } from 'zod';
import { createHmac, timingSafeEqual } from 'node:crypto';

// Authorize.net's JSON API, called with fetch and checked with zod. Its JSON is the XML API
// in disguise: element order matters in requests, and responses start with a byte order mark.

export type MerchantCredentials = { apiLoginId: string; transactionKey: string };

export class AuthorizeNetError extends Error {
  constructor(
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

const messagesSchema = z.object({
  resultCode: z.enum(['Ok', 'Error']),
  message: z.array(z.object({ code: z.string(), text: z.string() })).default([]),
});

const hostedTokenResponse = z.object({ token: z.string().optional(), messages: messagesSchema });

const money = z.union([z.number(), z.string()]).transform((v) => Math.round(Number(v) * 100));

export const transactionDetailsSchema = z.object({
  transId: z.string(),
  transactionType: z.string().optional(),
  transactionStatus: z.string(),
  responseCode: z.coerce.number().optional(),
  authAmount: money.optional(),
  settleAmount: money.optional(),
  submitTimeUTC: z.string().optional(),
  order: z.object({ invoiceNumber: z.string().optional() }).optional(),
  /** Masked: cardNumber "XXXX1111", expirationDate "XXXX". A refund names the card by its last four. */
  payment: z.object({ creditCard: z.object({ cardNumber: z.string(), expirationDate: z.string().optional() }).optional() }).optional(),
});
export type TransactionDetails = z.infer<typeof transactionDetailsSchema>;

const transactionDetailsResponse = z.object({ transaction: transactionDetailsSchema.optional(), messages: messagesSchema });

const unsettledListResponse = z.object({
  transactions: z
    .array(z.object({ transId: z.string(), invoiceNumber: z.string().optional(), transactionStatus: z.string().optional() }))
    .optional(),
  messages: messagesSchema,
});

const plainResponse = z.object({ messages: messagesSchema });

const transactionResponse = z.object({
  transactionResponse: z
    .object({
      responseCode: z.coerce.string().optional(),
      transId: z.string().optional(),
      refTransID: z.string().optional(),
      errors: z.array(z.object({ errorCode: z.coerce.string(), errorText: z.string() })).optional(),
    })
    .optional(),
  messages: messagesSchema,
});

/** A captured transaction that has not settled yet: it can be voided (in full), not refunded. */
export const UNSETTLED_STATUS = 'capturedPendingSettlement';
/** A settled transaction: it can be refunded, in part or in full, not voided. */
export const SETTLED_STATUS = 'settledSuccessfully';

/** Statuses of a transaction whose money was captured. */
export const CAPTURED_STATUSES = ['capturedPendingSettlement', 'settledSuccessfully'];

export type HostedPaymentRequest = {
  refId: string;
  amountCents: number;
  invoiceNumber: string;
  description: string;
  returnUrl: string;
  cancelUrl: string;
  merchantName: string;
};

export class AuthorizeNetClient {
  constructor(
    readonly apiUrl: string,
    readonly credentials: MerchantCredentials,
    readonly timeoutMs = 15_000,
  ) {}

  /** An Accept Hosted form token (valid 15 minutes): request it right before showing the form. */
  async hostedPaymentPageToken(req: HostedPaymentRequest): Promise<string> {
    const body = await this.call('getHostedPaymentPageRequest', hostedTokenResponse, {
      refId: req.refId,
      transactionRequest: {
        transactionType: 'authCaptureTransaction',
        amount: (req.amountCents / 100).toFixed(2),
        order: { invoiceNumber: req.invoiceNumber, description: req.description.slice(0, 255) },
      },
      hostedPaymentSettings: {
        setting: [
          {
            settingName: 'hostedPaymentReturnOptions',
            settingValue: JSON.stringify({ showReceipt: false, url: req.returnUrl, urlText: 'Continue', cancelUrl: req.cancelUrl, cancelUrlText: 'Cancel' }),
          },
          { settingName: 'hostedPaymentButtonOptions', settingValue: JSON.stringify({ text: 'Pay' }) },
          { settingName: 'hostedPaymentOrderOptions', settingValue: JSON.stringify({ show: true, merchantName: req.merchantName }) },
          { settingName: 'hostedPaymentPaymentOptions', settingValue: JSON.stringify({ cardCodeRequired: true, showCreditCard: true, showBankAccount: false }) },
          { settingName: 'hostedPaymentBillingAddressOptions', settingValue: JSON.stringify({ show: true, required: false }) },
        ],
      },
    });
    if (!body.token) throw new AuthorizeNetError('no token in the response');
    return body.token;
  }

  async transactionDetails(transId: string): Promise<TransactionDetails> {
    const body = await this.call('getTransactionDetailsRequest', transactionDetailsResponse, { transId });
    if (!body.transaction) throw new AuthorizeNetError('no transaction in the response');
    return body.transaction;
  }

  /** The newest unsettled transactions; how a return without a transaction id finds its payment. */
  async unsettledTransactions(limit = 100) {
    const body = await this.call('getUnsettledTransactionListRequest', unsettledListResponse, {
      sorting: { orderBy: 'submitTimeUTC', orderDescending: true },
      paging: { limit, offset: 1 },
    });
    return body.transactions ?? [];
  }

  /**
   * Returns money of a settled transaction to the card it came from. refId (ours, ≤ 20 characters)
   * lets Authorize.net's duplicate check and a support person match the two sides.
   */
  async refundTransaction(req: { refId: string; refTransId: string; amountCents: number; cardLast4: string }): Promise<string> {
    return this.transaction(req.refId, {
      transactionType: 'refundTransaction',
      amount: (req.amountCents / 100).toFixed(2),
      payment: { creditCard: { cardNumber: req.cardLast4, expirationDate: 'XXXX' } },
      refTransId: req.refTransId,
    });
  }

  /** Cancels an unsettled transaction whole: the card is never charged. */
  async voidTransaction(req: { refId: string; refTransId: string }): Promise<string> {
    return this.transaction(req.refId, { transactionType: 'voidTransaction', refTransId: req.refTransId });
  }

  /** authenticateTestRequest: true when the credentials work. */
  async authenticateTest(): Promise<void> {
    await this.call('authenticateTestRequest', plainResponse, {});
  }

  /** createTransactionRequest: the new transaction's id, or an AuthorizeNetError with the gateway's reason. */
  private async transaction(refId: string, transactionRequest: Record<string, unknown>): Promise<string> {
    // Money moves: never sent twice by this client (see call()).
    const body = await this.call('createTransactionRequest', transactionResponse, { refId: refId.slice(0, 20), transactionRequest }, false);
    const tr = body.transactionResponse;
    if (tr?.responseCode !== '1' || !tr.transId) {
      const first = tr?.errors?.[0];
      throw new AuthorizeNetError(first ? first.errorText : 'Authorize.net did not approve the transaction', first?.errorCode ?? null);
    }
    return tr.transId;
  }

  private async call<S extends z.ZodType<{ messages: z.infer<typeof messagesSchema> }>>(
    root: string,
    schema: S,
    fields: Record<string, unknown>,
    retryAfterNetworkFailure = true,
  ): Promise<z.infer<S>> {
    const payload = {
      [root]: { merchantAuthentication: { name: this.credentials.apiLoginId, transactionKey: this.credentials.transactionKey }, ...fields },
    };
    // A call that only reads or asks for a form token is retried once after a network failure
    // (such as a kept-alive socket the server just closed); one that moves money is not.
    let res: Response | undefined;
    for (let attempt = 1; !res; attempt++) {
      try {
        res = await fetch(this.apiUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        if (attempt >= 2 || !retryAfterNetworkFailure || (err as Error).name === 'TimeoutError') {
          throw new AuthorizeNetError(`Authorize.net could not be reached (${(err as Error).name})`);
        }
      }
    }
    if (!res.ok) throw new AuthorizeNetError(`Authorize.net answered HTTP ${res.status}`);
    const text = (await res.text()).replace(/^\uFEFF/, '');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AuthorizeNetError('Authorize.net answered with something other than JSON');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new AuthorizeNetError('Authorize.net answered in an unexpected shape');
    const { messages } = parsed.data;
    if (messages.resultCode !== 'Ok') {
      // A declined transaction says why in transactionResponse.errors; the top level only says "unsuccessful".
      const declined = (parsed.data as { transactionResponse?: { errors?: { errorCode: string; errorText: string }[] } }).transactionResponse?.errors?.[0];
      if (declined) throw new AuthorizeNetError(declined.errorText, declined.errorCode);
      const first = messages.message[0];
      throw new AuthorizeNetError(first ? `${first.code}: ${first.text}` : 'Authorize.net refused the request', first?.code ?? null);
    }
    return parsed.data;
  }
}

/** X-ANET-Signature: "sha512=" + uppercase hex HMAC-SHA512 of the raw body, keyed with the signature key. */
export function signWebhookBody(signatureKey: string, rawBody: string): string {
  return 'sha512=' + createHmac('sha512', signatureKey).update(rawBody, 'utf8').digest('hex').toUpperCase();
}

export function webhookSignatureMatches(signatureKey: string, rawBody: string, header: string | undefined | null): boolean {
  if (!header) return false;
  const expected = Buffer.from(signWebhookBody(signatureKey, rawBody).toUpperCase());
  const presented = Buffer.from(header.trim().replace(/^sha512=/i, 'sha512=').toUpperCase());
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}

export const webhookNotificationSchema = z.object({
  notificationId: z.string(),
  eventType: z.string(),
  eventDate: z.string().optional(),
  webhookId: z.string().optional(),
  payload: z.object({
    entityName: z.string().optional(),
    id: z.string(),
    responseCode: z.coerce.number().optional(),
    authAmount: z.union([z.number(), z.string()]).optional(),
    merchantReferenceId: z.string().optional(),
  }),
});
