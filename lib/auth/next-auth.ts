import NextAuth, { CredentialsSignin, type DefaultSession } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import type { StaffRole } from "@/db/schema/enums";
import { componentLogger } from "@/lib/log";
import { requestMetaFrom } from "./request";
import { authSecret } from "./secret";
import { SESSION_SECONDS } from "./session-length";

declare module "next-auth" {
  interface Session {
    user: { id: string; role: StaffRole } & DefaultSession["user"];
    /** When the session began (ms since the epoch). */
    signedInAt: number;
    /** This session's id (a uuid), recorded when it is signed out. */
    sessionId: string;
  }
  interface User {
    role?: StaffRole;
  }
}

/** Carries the reason to the sign-in form; the codes never reveal whether an email exists. */
class SignInRefused extends CredentialsSignin {
  constructor(code: string) {
    super();
    this.code = code;
  }
}

// A function config is resolved per request, so the secret is read when it exists (embedded
// mode writes it at server start), not when this module happens to load.
export const { handlers, auth, signIn, signOut } = NextAuth(() => ({
  secret: authSecret(),
  trustHost: true,
  session: { strategy: "jwt", maxAge: SESSION_SECONDS },
  jwt: { maxAge: SESSION_SECONDS },
  pages: { signIn: "/login" },
  logger: {
    // A refused sign-in is expected and audited; a stack trace per wrong password is noise.
    error(error) {
      if (error.name === "CredentialsSignin" || (error as { type?: string }).type === "CredentialsSignin")
        return;
      componentLogger("auth").error({ err: error }, "auth error");
    },
  },
  providers: [
    Credentials({
      credentials: {
        email: { label: "Email", type: "email" },
        password: { label: "Password", type: "password" },
        // The second step: the challenge the password step answered with, and a code.
        challenge: { type: "hidden" },
        code: { label: "Code", type: "text" },
        method: { type: "hidden" },
      },
      async authorize(credentials, request) {
        // Imported here so the proxy, which only reads the session cookie, never loads the database.
        const [{ getDatabase }, { authorizeCredentials }] = await Promise.all([
          import("@/db/runtime"),
          import("./two-factor/authorize"),
        ]);
        const { db } = await getDatabase();
        // The password step, or the second-factor step; an enrolled account's password alone
        // is refused with a challenge id the form turns into the code step.
        const outcome = await authorizeCredentials(db, credentials, requestMetaFrom(request.headers));
        if (!outcome.ok) throw new SignInRefused(outcome.code);
        return outcome.user;
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        token.sub = user.id;
        token.role = user.role;
        // Milliseconds: compared with the account's sessionsValidAfter (a sign-in in the same
        // second as a sign-out must still count as after it).
        token.signedInAt = Date.now();
        // Names this session, so signing out can end it (and only it) on the server.
        token.sid = crypto.randomUUID();
      }
      // next-auth re-issues the cookie on activity; the absolute limit is ours to keep.
      const signedInAt = typeof token.signedInAt === "number" ? token.signedInAt : 0;
      if (Date.now() - signedInAt > SESSION_SECONDS * 1000) return null;
      return token;
    },
    session({ session, token }) {
      session.user.id = token.sub ?? "";
      session.user.role = token.role as StaffRole;
      session.signedInAt = typeof token.signedInAt === "number" ? token.signedInAt : 0;
      session.sessionId = typeof token.sid === "string" ? token.sid : "";
      return session;
    },
  },
  events: {
    async signOut(message) {
      const token = "token" in message ? message.token : null;
      if (!token?.sub || !token.email) return;
      const [{ getDatabase }, { recordSignOut }, { currentRequestMeta }] = await Promise.all([
        import("@/db/runtime"),
        import("./sign-in"),
        import("./request"),
      ]);
      const { db } = await getDatabase();
      await recordSignOut(
        db,
        {
          id: token.sub,
          email: token.email,
          name: token.name ?? token.email,
          role: token.role as StaffRole,
        },
        typeof token.sid === "string" ? token.sid : null,
        await currentRequestMeta(),
      );
    },
  },
}));
