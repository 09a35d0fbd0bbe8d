"use client";

import { dormantPrimitive } from "./dormant";

/**
 * Menus whose code arrives when they are first used (./dormant.tsx): the real menu is
 * dropdown-menu-radix.tsx, fetched when a trigger is pointed at or focused and opened when it is
 * pressed. The API is that module's.
 */
type Radix = typeof import("./dropdown-menu-radix");

const { Root, Trigger, part } = dormantPrimitive<Radix>({
  load: () => import("./dropdown-menu-radix"),
  root: "DropdownMenu",
  trigger: "DropdownMenuTrigger",
  popup: "menu",
  opensOn: "pointerdown",
});

const DropdownMenu = Root as unknown as Radix["DropdownMenu"];
const DropdownMenuTrigger = Trigger as unknown as Radix["DropdownMenuTrigger"];
const DropdownMenuContent = part("DropdownMenuContent");
const DropdownMenuGroup = part("DropdownMenuGroup");
const DropdownMenuItem = part("DropdownMenuItem");
const DropdownMenuCheckboxItem = part("DropdownMenuCheckboxItem");
const DropdownMenuRadioGroup = part("DropdownMenuRadioGroup");
const DropdownMenuRadioItem = part("DropdownMenuRadioItem");
const DropdownMenuLabel = part("DropdownMenuLabel");
const DropdownMenuSeparator = part("DropdownMenuSeparator");
const DropdownMenuShortcut = part("DropdownMenuShortcut");
const DropdownMenuPortal = part("DropdownMenuPortal");
const DropdownMenuSub = part("DropdownMenuSub");
const DropdownMenuSubContent = part("DropdownMenuSubContent");
const DropdownMenuSubTrigger = part("DropdownMenuSubTrigger");

export {
  DropdownMenu,
  DropdownMenuCheckboxItem,
  DropdownMenuContent,
  DropdownMenuGroup,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuPortal,
  DropdownMenuRadioGroup,
  DropdownMenuRadioItem,
  DropdownMenuSeparator,
  DropdownMenuShortcut,
  DropdownMenuSub,
  DropdownMenuSubContent,
  DropdownMenuSubTrigger,
  DropdownMenuTrigger,
};
