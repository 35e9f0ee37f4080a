=== chapter_3 ===
{t("To be continued.", "Continuará.")} #chapter:3 #scene:stub_3
-> END
