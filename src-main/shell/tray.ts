import { fileURLToPath } from "node:url";
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from "electron";
import {
  trayMenuModel,
  type TrayAction,
  type TrayMenuModel,
  type TrayStatus,
} from "./trayMenuModel.js";

/** The app icon (resources/icons/icon.png) from dist/main/shell/, in the checkout and the asar. */
const iconPath = fileURLToPath(new URL("../../../resources/icons/icon.png", import.meta.url));

export interface BenchtopTray {
  /** Rebuilds the menu and tooltip from the current status. */
  update(status: TrayStatus): void;
  destroy(): void;
}

/**
 * The tray (menu bar on macOS, notification area elsewhere) icon: the server's address and LAN
 * state, and quick actions, from the pure `trayMenuModel`. `onAction` runs the chosen action.
 * On Linux desktops without a status-icon host (GNOME without the AppIndicator extension) the
 * icon does not appear; launching Benchtop again then shows the window.
 */
export function createTray(onAction: (action: TrayAction) => void): BenchtopTray {
  // 16 px in macOS's menu bar and Windows' notification area, 22 px on Linux panels.
  const size = process.platform === "linux" ? 22 : 16;
  const icon = nativeImage
    .createFromPath(iconPath)
    .resize({ width: size, height: size, quality: "best" });
  const tray = new Tray(icon);
  // Windows and Linux open the window on a click; macOS shows the menu on a click by itself.
  if (process.platform !== "darwin") tray.on("click", () => onAction("open-window"));
  return {
    update(status) {
      const model = trayMenuModel(status);
      tray.setToolTip(model.tooltip);
      tray.setContextMenu(Menu.buildFromTemplate(menuTemplate(model, onAction)));
    },
    destroy() {
      tray.destroy();
    },
  };
}

function menuTemplate(
  model: TrayMenuModel,
  onAction: (action: TrayAction) => void,
): MenuItemConstructorOptions[] {
  return model.items.map((item): MenuItemConstructorOptions => {
    if (item.type === "separator") return { type: "separator" };
    if (item.type === "status") return { label: item.label, enabled: false };
    return {
      label: item.label,
      enabled: item.enabled,
      ...(item.checked === undefined ? {} : { type: "checkbox", checked: item.checked }),
      click: () => onAction(item.action),
    };
  });
}
