import type { Metadata } from "next";
import { listApiKeys } from "@/lib/api-keys/list";
import { appDb } from "@/lib/auth/current";
import { requirePageActor } from "@/lib/auth/page";
import { ApiKeysTable } from "./_components/api-keys-table";
import { CreateApiKeyButton } from "./_components/create-api-key-button";

export const metadata: Metadata = { title: "API keys" };
export const dynamic = "force-dynamic";

export default async function ApiKeysPage() {
  await requirePageActor("api_key.manage");
  const keys = await listApiKeys(await appDb());
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">API keys</h1>
          <p className="text-sm text-muted-foreground">
            Keys your product uses to ask Paydesk who has access (
            <a href="/api/v1/openapi.json" className="underline underline-offset-4">
              OpenAPI
            </a>
            ). Each key is shown once when it is created; Paydesk keeps only its hash.
          </p>
        </div>
        <CreateApiKeyButton />
      </div>
      <ApiKeysTable keys={keys} />
    </div>
  );
}
