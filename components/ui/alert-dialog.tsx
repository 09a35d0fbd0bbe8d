"use client";

import { dormantPrimitive } from "./dormant";

/**
 * Confirmations whose code arrives when they are first used (./dormant.tsx): the real one is
 * alert-dialog-radix.tsx, fetched when a trigger is pointed at or focused, or when its owner opens
 * it, and opened when the trigger is pressed. The API is that module's.
 */
type Radix = typeof import("./alert-dialog-radix");

const { Root, Trigger, part } = dormantPrimitive<Radix>({
  load: () => import("./alert-dialog-radix"),
  root: "AlertDialog",
  trigger: "AlertDialogTrigger",
  popup: "dialog",
  opensOn: "click",
});

const AlertDialog = Root as unknown as Radix["AlertDialog"];
const AlertDialogTrigger = Trigger as unknown as Radix["AlertDialogTrigger"];
const AlertDialogAction = part("AlertDialogAction");
const AlertDialogCancel = part("AlertDialogCancel");
const AlertDialogContent = part("AlertDialogContent");
const AlertDialogDescription = part("AlertDialogDescription");
const AlertDialogFooter = part("AlertDialogFooter");
const AlertDialogHeader = part("AlertDialogHeader");
const AlertDialogOverlay = part("AlertDialogOverlay");
const AlertDialogPortal = part("AlertDialogPortal");
const AlertDialogTitle = part("AlertDialogTitle");

export {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogOverlay,
  AlertDialogPortal,
  AlertDialogTitle,
  AlertDialogTrigger,
};
