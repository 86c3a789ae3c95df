; Inno Setup 6 installer of the desk for Windows: made from the one-folder build of packaging/desk.spec.
;   iscc /DAppVersion=0.1.0 packaging\after-sales-desk.iss      (the Windows workflow runs exactly this)
; Output: dist\after-sales-desk-<version>-setup.exe
;
; Installs for the current user only (no administrator rights: shop PCs often lack them) into
; %LOCALAPPDATA%\Programs\售后申诉工作台. The shop's data is NOT in the program folder: it lives in
; %LOCALAPPDATA%\AfterSalesDesk (platformdirs, desk/profile.py), which the uninstaller never touches, so
; uninstalling, reinstalling and updating all keep every case, picture and backup.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "售后申诉工作台"
#define AppExe "after-sales-desk.exe"
#define BuildDir "..\dist\after-sales-desk"

[Setup]
; The AppId ties updates to this installation: never change it, or an update installs beside the old one.
AppId={{6E1C3B9A-4D27-4F0E-9A51-0B7E2D8C5F14}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppName}
DefaultDirName={localappdata}\Programs\{#AppName}
DefaultGroupName={#AppName}
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist
OutputBaseFilename=after-sales-desk-{#AppVersion}-setup
SetupIconFile=after-sales-desk.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; An update started while the desk is open asks to close it (the program folder's files are in use).
CloseApplications=yes
ChangesAssociations=yes
LicenseFile=..\LICENSE

[Languages]
; Inno Setup ships its Chinese messages only as an unofficial translation: used when it is installed.
#if FileExists(CompilerPath + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#endif
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"
Name: "deskbackup"; Description: "用本软件打开 .deskbackup 备份文件"; GroupDescription: "文件关联:"

[Files]
; The whole build folder; an update replaces the program files and leaves the data folder alone.
Source: "{#BuildDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An update removes the previous program files first, so no module of the old version lingers.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\{#AppName} 演示数据"; Filename: "{app}\{#AppExe}"; Parameters: "--demo"
Name: "{group}\卸载 {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; Per-user file association (HKCU: no administrator rights needed), removed again on uninstall.
Root: HKCU; Subkey: "Software\Classes\.deskbackup"; ValueType: string; ValueName: ""; ValueData: "AfterSalesDesk.Backup"; Flags: uninsdeletevalue; Tasks: deskbackup
Root: HKCU; Subkey: "Software\Classes\AfterSalesDesk.Backup"; ValueType: string; ValueName: ""; ValueData: "售后申诉工作台备份"; Flags: uninsdeletekey; Tasks: deskbackup
Root: HKCU; Subkey: "Software\Classes\AfterSalesDesk.Backup\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe},0"; Tasks: deskbackup
Root: HKCU; Subkey: "Software\Classes\AfterSalesDesk.Backup\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""; Tasks: deskbackup

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the program folder itself holds. The data folder (%LOCALAPPDATA%\AfterSalesDesk) is kept on
; purpose: a shop's cases and evidence outlive the program; docs/install.md says how to remove it by hand.
Type: filesandordirs; Name: "{app}\_internal"

