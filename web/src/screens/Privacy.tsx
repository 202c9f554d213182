import type { ComponentChildren } from 'preact';
import { Link } from '../components/Link';
import { useTitle } from '../state/title';

function Part({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section aria-labelledby={id} class="card mb-4 p-4 sm:p-5">
      <h2 id={id} class="mb-2 text-lg font-bold">{title}</h2>
      <div class="space-y-2">{children}</div>
    </section>
  );
}

/**
 * Privacy is the page at /privacy: in plain words, what Body Double
 * stores, who can see it, for how long, and how to export or erase it.
 * It is open to everyone, signed in or not.
 */
export default function Privacy({ signedIn }: { signedIn: boolean }) {
  useTitle('Privacy');
  return (
    <div class="mx-auto max-w-2xl" data-testid="privacy-page">
      <h1 tabIndex={-1} class="mb-2 text-2xl font-bold sm:text-3xl">Privacy</h1>
      <p class="mb-5 text-muted">What Body Double keeps about you, who sees it, and how to take it with you or erase it.</p>

      <Part id="privacy-stored" title="What we store">
        <ul class="list-disc space-y-1 ps-5">
          <li>A random anonymous id. No email, no phone number, no real name.</li>
          <li>Your display name, and your picture if you set or upload one. An uploaded picture is cut to a 256 × 256 square; nothing else in the file (like its location data) is kept.</li>
          <li>Your settings, such as sounds, theme and the rooms you like.</li>
          <li>Your focus sessions: when they ran, and your goals and what you got done. Goals and notes are encrypted in the database.</li>
          <li>Which room you are in, and the rooms you made.</li>
          <li>The people you blocked, and the reports you made or that were made about you.</li>
        </ul>
        <p>We do not store your IP address.</p>
      </Part>

      <Part id="privacy-who" title="Who can see what">
        <p><strong>People in your room</strong> see your name, your picture, your status, and the goals you choose to share. They see your camera or microphone only when you turn them on.</p>
        <p><strong>Moderators</strong> see reports, what the report was about, and the recent names of the people involved. They can remove a picture or reset a name.</p>
        <p><strong>The people who run this server</strong> can read the database. Your goals and report notes are encrypted there.</p>
      </Part>

      <Part id="privacy-how-long" title="How long we keep it">
        <ul class="list-disc space-y-1 ps-5">
          <li>If you don't use Body Double for a year (365 days, unless this server is set up otherwise), your account is erased.</li>
          <li>Moderation records are kept for 400 days.</li>
          <li>Reports stay after you erase your account, but your name in them is replaced by a stand-in.</li>
        </ul>
      </Part>

      <Part id="privacy-control" title="Take it with you, or erase it">
        <p>
          In {signedIn ? <Link href="/settings" class="underline">Settings</Link> : 'Settings'}, under “Your data”, you can download everything we store about you as one file, or erase it all for good. Erasing also deletes your uploaded picture.
        </p>
      </Part>
      {!signedIn && <p class="text-sm"><Link href="/" class="underline">Back to the start</Link></p>}
    </div>
  );
}
