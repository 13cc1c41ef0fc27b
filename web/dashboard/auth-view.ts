import { accessToken, api, ApiError, User } from './api.js';
import { h, notice } from './dom.js';

interface AuthAnswer {
  user: User;
  accessToken: string;
}

/** Sign in, or create an account; calls `done` with the signed-in user. */
export function authView(done: (user: User) => void): HTMLElement {
  let mode: 'login' | 'signup' = 'login';
  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'email' });
  const password = h('input', {
    type: 'password',
    name: 'password',
    required: true,
    minLength: 12,
    autocomplete: 'current-password',
  });
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'name' });
  const nameRow = h('label', { hidden: true }, 'Name (optional)', name);
  const title = h('h1', { textContent: 'Sign in' });
  const submit = h('button', { type: 'submit', className: 'primary', textContent: 'Sign in' });
  const status = notice();
  const switchMode = h('button', { type: 'button', className: 'link' });

  const render = (): void => {
    const signup = mode === 'signup';
    title.textContent = signup ? 'Create your account' : 'Sign in';
    submit.textContent = signup ? 'Create account' : 'Sign in';
    nameRow.hidden = !signup;
    password.autocomplete = signup ? 'new-password' : 'current-password';
    switchMode.textContent = signup ? 'I already have an account' : 'Create an account';
    status.show('');
  };
  switchMode.addEventListener('click', () => {
    mode = mode === 'login' ? 'signup' : 'login';
    render();
  });

  const form = h(
    'form',
    { className: 'auth card', attrs: { 'aria-labelledby': 'auth-title' } },
    title,
    nameRow,
    h('label', {}, 'Email', email),
    h('label', {}, 'Password (12 characters or more)', password),
    status,
    h('div', { className: 'row' }, submit, switchMode),
  );
  title.id = 'auth-title';
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const body: Record<string, string> = { email: email.value, password: password.value };
      if (mode === 'signup' && name.value.trim()) body.name = name.value.trim();
      const answer = await api<AuthAnswer>(
        'POST',
        mode === 'signup' ? '/auth/signup' : '/auth/login',
        body,
      );
      accessToken.set(answer.accessToken);
      done(answer.user);
    } catch (error) {
      const detail =
        error instanceof ApiError && error.errors.length > 0
          ? error.errors.map((e) => `${e.field}: ${e.message}`).join(' ')
          : (error as Error).message;
      status.show(detail, true);
    } finally {
      submit.disabled = false;
    }
  });
  render();
  return form;
}
