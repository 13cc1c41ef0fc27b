import type { Locator, Page } from 'playwright-core';
import type { Account } from './accounts';
import { eventually } from './browser';

/** The dashboard page, driven the way a person uses it. */
export class DashboardPage {
  constructor(
    readonly page: Page,
    private readonly apiBase: string,
  ) {}

  async signIn(account: Account, projectId?: string): Promise<void> {
    const hash = projectId ? `#project=${projectId}` : '';
    await this.page.goto(`${this.apiBase}/dashboard${hash}`);
    await this.page.getByLabel('Email').fill(account.email);
    await this.page.getByLabel('Password (12 characters or more)').fill(account.password);
    await this.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    if (projectId) await this.card('Secret key').waitFor();
  }

  card(title: string): Locator {
    return this.page.locator('section.card').filter({
      has: this.page.getByRole('heading', { name: title, exact: true }),
    });
  }

  originRows(): Locator {
    return this.card('Allowed origins').locator('ol.origins > li');
  }

  /** The entries of the origins editor, as shown. */
  async origins(): Promise<string[]> {
    const inputs = this.originRows().locator('input');
    const values: string[] = [];
    for (let i = 0; i < (await inputs.count()); i += 1)
      values.push(await inputs.nth(i).inputValue());
    return values;
  }

  /** The key shown in clear in the "Secret key" card, once it is there (and not `other`). */
  async shownKey(other = ''): Promise<string> {
    const input = this.card('Secret key').getByLabel('Secret key');
    return eventually('the secret key in the page', async () => {
      const value = await input.inputValue();
      return value.startsWith('sk_live_') && value !== other && value;
    });
  }

  /** Rotates the key through the confirmation dialog; returns the new key it shows. */
  async rotate(grace: string): Promise<string> {
    const card = this.card('Secret key');
    const before = await card.getByLabel('Secret key').inputValue();
    await card.getByRole('button', { name: 'Rotate key…' }).click();
    const dialog = this.page.getByRole('dialog');
    await dialog.getByLabel('Grace period for the current key').selectOption({ label: grace });
    await dialog.getByRole('button', { name: 'Rotate key', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    return this.shownKey(before);
  }
}

/** The widget as a visitor of a customer page sees it (inside its open shadow root). */
export class WidgetOnPage {
  constructor(readonly page: Page) {}

  get host(): Locator {
    return this.page.locator('#hissuno-widget');
  }

  get launcher(): Locator {
    return this.page.getByRole('button', { name: 'Chat', exact: true });
  }

  get panel(): Locator {
    return this.page.getByRole('dialog', { name: 'Chat' });
  }

  messages(role: 'user' | 'agent'): Locator {
    return this.panel.locator(`li.${role}`);
  }

  async open(): Promise<void> {
    await this.launcher.click();
    await this.panel.waitFor();
  }

  /** Closes the panel; a closed widget does not poll. */
  async close(): Promise<void> {
    await this.launcher.click();
    await this.panel.waitFor({ state: 'hidden' });
  }

  async send(text: string): Promise<void> {
    await this.panel.getByPlaceholder('Write a message…').fill(text);
    await this.panel.getByRole('button', { name: 'Send' }).click();
  }
}
