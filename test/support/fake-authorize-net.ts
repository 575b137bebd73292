import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signWebhookBody } from '../../src/payments/authorize-net.ts';

// A local Authorize.net: the JSON API (with the byte order mark it really sends), an Accept
// Hosted form that "pays" and redirects back, and webhooks signed the way Authorize.net signs them.

export const FAKE_CREDENTIALS = {
  apiLoginId: 'fakeLogin42',
  transactionKey: 'FAKEtransKEY1234',
  signatureKey: 'AB'.repeat(64),
};

type HostedToken = { token: string; amount: string; invoiceNumber: string; returnUrl: string; cancelUrl: string; used: boolean };
type Transaction = {
  transId: string;
  amount: string;
  invoiceNumber: string;
  status: string;
  submitTimeUTC: string;
  type?: 'authCaptureTransaction' | 'refundTransaction';
  refTransId?: string;
};

export type FakeAuthorizeNet = {
  apiUrl: string;
  hostedUrl: string;
  /** Where the fake delivers webhooks after a hosted payment (the browser test sets it). */
  webhookUrl: string | null;
  requests: { root: string; body: Record<string, unknown> }[];
  tokens: Map<string, HostedToken>;
  transactions: Map<string, Transaction>;
  /** Webhook deliveries: the status the app answered. */
  deliveries: number[];
  /** Pays a hosted token as the form would: a captured transaction, returns the webhook to send. */
  pay(token: string, opts?: { amount?: string }): { transId: string; returnUrl: string; webhook: { body: string; signature: string } };
  webhookFor(transId: string, opts?: { notificationId?: string; signatureKey?: string }): { body: string; signature: string };
  /** The nightly batch: the transaction becomes settled and can be refunded (no longer voided). */
  settle(transId: string): void;
  /** createTransactionRequest calls received (refunds and voids). */
  transactionRequests(): Record<string, unknown>[];
  close(): Promise<void>;
};

export async function startFakeAuthorizeNet(credentials = FAKE_CREDENTIALS): Promise<FakeAuthorizeNet> {
  let nextTrans = 60_000_000_001;
  let nextNotification = 1;
  const fake = {
    webhookUrl: null as string | null,
    requests: [] as { root: string; body: Record<string, unknown> }[],
    tokens: new Map<string, HostedToken>(),
    transactions: new Map<string, Transaction>(),
    deliveries: [] as number[],
  };

  const pay = (token: string, opts: { amount?: string } = {}) => {
    const t = fake.tokens.get(token);
    if (!t || t.used) throw new Error('unknown or used token');
    t.used = true;
    const transId = String(nextTrans++);
    fake.transactions.set(transId, {
      transId,
      amount: opts.amount ?? t.amount,
      invoiceNumber: t.invoiceNumber,
      status: 'capturedPendingSettlement',
      submitTimeUTC: new Date().toISOString(),
    });
    return { transId, returnUrl: t.returnUrl, webhook: webhookFor(transId) };
  };

  const webhookFor = (transId: string, opts: { notificationId?: string; signatureKey?: string } = {}) => {
    const tx = fake.transactions.get(transId);
    const body = JSON.stringify({
      notificationId: opts.notificationId ?? `d0e8e7fe-c3e7-4add-a480-${String(nextNotification++).padStart(12, '0')}`,
      eventType: 'net.authorize.payment.authcapture.created',
      eventDate: new Date().toISOString(),
      webhookId: '0b2a0d2a-5f7a-4c2e-9d47-6f7a0b2a0d2a',
      payload: { responseCode: 1, authCode: 'LZ6I19', avsResponse: 'Y', authAmount: Number(tx?.amount ?? 0), entityName: 'transaction', id: transId },
    });
    return { body, signature: signWebhookBody(opts.signatureKey ?? credentials.signatureKey, body) };
  };

  const server: Server = createServer(async (req, res) => {
    try {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://fake');
      if (req.method === 'POST' && url.pathname === '/xml/v1/request.api') return api(raw, res);
      if (req.method === 'POST' && url.pathname === '/payment/payment') return hostedForm(new URLSearchParams(raw).get('token') ?? '', res);
      if (req.method === 'POST' && url.pathname === '/payment/pay') return hostedPay(new URLSearchParams(raw), res);
      res.writeHead(404).end();
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });

  function api(raw: string, res: ServerResponse) {
    const json = JSON.parse(raw) as Record<string, Record<string, unknown>>;
    const root = Object.keys(json)[0];
    const body = json[root];
    fake.requests.push({ root, body });
    const auth = body.merchantAuthentication as { name?: string; transactionKey?: string } | undefined;
    if (auth?.name !== credentials.apiLoginId || auth?.transactionKey !== credentials.transactionKey) {
      return reply(res, { messages: { resultCode: 'Error', message: [{ code: 'E00007', text: 'User authentication failed due to invalid authentication values.' }] } });
    }
    const ok = { resultCode: 'Ok', message: [{ code: 'I00001', text: 'Successful.' }] };
    switch (root) {
      case 'authenticateTestRequest':
        return reply(res, { messages: ok });
      case 'getHostedPaymentPageRequest': {
        const tr = body.transactionRequest as { amount: string; order: { invoiceNumber: string } };
        const settings = (body.hostedPaymentSettings as { setting: { settingName: string; settingValue: string }[] }).setting;
        const ret = JSON.parse(settings.find((s) => s.settingName === 'hostedPaymentReturnOptions')!.settingValue);
        const token = `FAKE-TOKEN-${fake.tokens.size + 1}-${Math.random().toString(36).slice(2)}`;
        fake.tokens.set(token, { token, amount: tr.amount, invoiceNumber: tr.order.invoiceNumber, returnUrl: ret.url, cancelUrl: ret.cancelUrl, used: false });
        return reply(res, { token, messages: ok });
      }
      case 'getTransactionDetailsRequest': {
        const tx = fake.transactions.get(String(body.transId));
        if (!tx) return reply(res, { messages: { resultCode: 'Error', message: [{ code: 'E00040', text: 'The record cannot be found.' }] } });
        return reply(res, {
          transaction: {
            transId: tx.transId,
            submitTimeUTC: tx.submitTimeUTC,
            transactionType: 'authCaptureTransaction',
            transactionStatus: tx.status,
            responseCode: 1,
            authAmount: Number(tx.amount),
            settleAmount: Number(tx.amount),
            order: { invoiceNumber: tx.invoiceNumber, description: 'Patient payment' },
            payment: { creditCard: { cardNumber: 'XXXX1111', expirationDate: 'XXXX', cardType: 'Visa' } },
          },
          messages: ok,
        });
      }
      case 'createTransactionRequest':
        return createTransaction(body, res);
      case 'getUnsettledTransactionListRequest': {
        const list = [...fake.transactions.values()].filter((t) => t.status !== 'settledSuccessfully').reverse().map((t) => ({
          transId: t.transId,
          submitTimeUTC: t.submitTimeUTC,
          transactionStatus: t.status,
          invoiceNumber: t.invoiceNumber,
          settleAmount: Number(t.amount),
        }));
        return reply(res, { transactions: list, totalNumInResultSet: list.length, messages: ok });
      }
      default:
        return reply(res, { messages: { resultCode: 'Error', message: [{ code: 'E00003', text: `Unknown request ${root}` }] } });
    }
  }

  // refundTransaction and voidTransaction, with Authorize.net's rules and refusals: a void needs an
  // unsettled capture, a refund a settled one, the card's last four, and never more than was captured.
  function createTransaction(body: Record<string, unknown>, res: ServerResponse) {
    const tr = body.transactionRequest as Record<string, unknown>;
    const ok = { resultCode: 'Ok', message: [{ code: 'I00001', text: 'Successful.' }] };
    const refuse = (errorCode: string, errorText: string) =>
      reply(res, {
        transactionResponse: { responseCode: '3', transId: '0', refTransID: String(tr.refTransId ?? ''), errors: [{ errorCode, errorText }] },
        refId: body.refId,
        messages: { resultCode: 'Error', message: [{ code: 'E00027', text: 'The transaction was unsuccessful.' }] },
      });
    const order = Object.keys(tr).join(',');
    const original = fake.transactions.get(String(tr.refTransId));
    if (tr.transactionType === 'voidTransaction') {
      if (order !== 'transactionType,refTransId') return refuse('E00003', `elements out of order: ${order}`);
      if (!original || original.status !== 'capturedPendingSettlement') return refuse('16', 'The transaction cannot be found.');
      original.status = 'voided';
      return reply(res, { transactionResponse: { responseCode: '1', transId: original.transId, refTransID: original.transId, messages: [{ code: '1', description: 'This transaction has been approved.' }] }, refId: body.refId, messages: ok });
    }
    if (tr.transactionType === 'refundTransaction') {
      if (order !== 'transactionType,amount,payment,refTransId') return refuse('E00003', `elements out of order: ${order}`);
      const card = (tr.payment as { creditCard?: { cardNumber?: string } } | undefined)?.creditCard?.cardNumber ?? '';
      if (!original || original.status !== 'settledSuccessfully' || !card.endsWith('1111')) {
        return refuse('54', 'The referenced transaction does not meet the criteria for issuing a credit.');
      }
      const refunded = [...fake.transactions.values()].filter((t) => t.refTransId === original.transId).reduce((s, t) => s + Number(t.amount), 0);
      if (Math.round((refunded + Number(tr.amount)) * 100) > Math.round(Number(original.amount) * 100)) {
        return refuse('55', 'The sum of credits against the referenced transaction would exceed original debit amount.');
      }
      const transId = String(nextTrans++);
      fake.transactions.set(transId, {
        transId,
        amount: String(tr.amount),
        invoiceNumber: '',
        status: 'refundPendingSettlement',
        submitTimeUTC: new Date().toISOString(),
        type: 'refundTransaction',
        refTransId: original.transId,
      });
      return reply(res, { transactionResponse: { responseCode: '1', transId, refTransID: original.transId, messages: [{ code: '1', description: 'This transaction has been approved.' }] }, refId: body.refId, messages: ok });
    }
    return refuse('E00003', `unsupported transactionType ${String(tr.transactionType)}`);
  }

  function hostedForm(token: string, res: ServerResponse) {
    const t = fake.tokens.get(token);
    if (!t) return html(res, 400, '<h1>Invalid token</h1>');
    html(
      res,
      200,
      `<h1>Fake Authorize.net — pay $${t.amount}</h1>
       <form method="post" action="/payment/pay">
         <input type="hidden" name="token" value="${t.token}">
         <label for="card">Card number</label> <input id="card" name="card" value="4111111111111111">
         <button type="submit">Pay</button>
       </form>
       <form method="post" action="/payment/pay"><input type="hidden" name="token" value="${t.token}"><input type="hidden" name="cancel" value="1"><button type="submit">Cancel</button></form>`,
    );
  }

  async function hostedPay(form: URLSearchParams, res: ServerResponse) {
    const token = form.get('token') ?? '';
    const t = fake.tokens.get(token);
    if (!t) return html(res, 400, '<h1>Invalid token</h1>');
    if (form.get('cancel')) {
      res.writeHead(303, { Location: t.cancelUrl }).end();
      return;
    }
    const paid = pay(token);
    if (fake.webhookUrl) {
      // Authorize.net sends the webhook on its own schedule; here it races the patient's return.
      const target = fake.webhookUrl;
      void fetch(target, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-ANET-Signature': paid.webhook.signature }, body: paid.webhook.body })
        .then((r) => fake.deliveries.push(r.status))
        .catch(() => fake.deliveries.push(0));
    }
    res.writeHead(303, { Location: paid.returnUrl }).end();
  }

  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, {
    apiUrl: `${base}/xml/v1/request.api`,
    hostedUrl: `${base}/payment/payment`,
    pay,
    webhookFor,
    settle: (transId: string) => {
      const tx = fake.transactions.get(transId);
      if (!tx) throw new Error(`no transaction ${transId}`);
      tx.status = 'settledSuccessfully';
    },
    transactionRequests: () => fake.requests.filter((r) => r.root === 'createTransactionRequest').map((r) => r.body),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

function reply(res: ServerResponse, body: unknown) {
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end('\uFEFF' + JSON.stringify(body));
}

function html(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="en"><head><title>Fake Authorize.net</title></head><body><main>${body}</main></body></html>`);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
