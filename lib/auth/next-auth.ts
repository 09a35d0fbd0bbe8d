import NextAuth, { CredentialsSignin, type DefaultSession } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import type { StaffRole } from "@/db/schema/enums";
import { requestMetaFrom } from "./request";
import { authSecret } from "./secret";

declare module "next-auth" {
  interface Session {
    user: { id: string; role: StaffRole } & DefaultSession["user"];
  }
  interface User {
    role?: StaffRole;
  }
}

/** Sessions end 8 hours after sign-in, however active they are. */
export const SESSION_SECONDS = 8 * 60 * 60;

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
  providers: [
    Credentials({
      credentials: {
        email: { label: "Email", type: "email" },
        password: { label: "Password", type: "password" },
      },
      async authorize(credentials, request) {
        // Imported here so the proxy, which only reads the session cookie, never loads the database.
        const [{ getDatabase }, { signInWithPassword }] = await Promise.all([
          import("@/db/runtime"),
          import("./sign-in"),
        ]);
        const { db } = await getDatabase();
        const result = await signInWithPassword(db, credentials, requestMetaFrom(request.headers));
        if (!result.ok) throw new SignInRefused(result.code);
        return result.user;
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        token.sub = user.id;
        token.role = user.role;
        token.signedInAt = Math.floor(Date.now() / 1000);
      }
      // next-auth re-issues the cookie on activity; the absolute limit is ours to keep.
      const signedInAt = typeof token.signedInAt === "number" ? token.signedInAt : 0;
      if (Date.now() / 1000 - signedInAt > SESSION_SECONDS) return null;
      return token;
    },
    session({ session, token }) {
      session.user.id = token.sub ?? "";
      session.user.role = token.role as StaffRole;
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
        await currentRequestMeta(),
      );
    },
  },
}));
