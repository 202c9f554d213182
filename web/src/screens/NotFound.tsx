import { Link } from '../components/Link';
import { useTitle } from '../state/title';

export function NotFound() {
  useTitle('Not found');
  return (
    <>
      <h1 tabIndex={-1} class="mb-3 text-2xl font-bold">There's nothing here</h1>
      <p class="mb-6">This page doesn't exist. Rooms are in the lobby.</p>
      <Link href="/lobby" class="btn btn-primary">Go to the lobby</Link>
    </>
  );
}
