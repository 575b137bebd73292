// The Patient Email Report's columns, as the CSV and the Reports page name them.

export const REPORT_COLUMNS = ['First Name', 'Last Name', 'Email', 'Mobile Phone', 'Account Number', 'Status', 'Unsubscribed From Email'] as const;
