import { Option } from "commander";

/** Options every mutating command shares, so each group's file declares them the same way. */
export const actorOption = () =>
  new Option("--actor <email>", "the admin this change is audited as (required)");
export const jsonOption = () => new Option("--json", "print one JSON object on the last line");
